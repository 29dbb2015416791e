/**
 * `contractdesk/metrics`: ContractDesk's Prometheus series for a host's own prom-client Registry. prom-client is an
 * optional peer dependency, needed only by a host that imports this entry point; the channels themselves
 * (`contractdesk` exports CHANNELS and the event types) need nothing.
 */
export { contractDeskMetrics, type ContractDeskMetrics, type ContractDeskMetricsOptions } from './observability/metrics';
