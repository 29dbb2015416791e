import { expect } from 'chai';
import { ConfigError } from '../../../../packages/contractdesk/src/errors/domain-error';
import { readLogSettings } from '../../src/logging/log-settings';
import { redactText } from '../../src/logging/redact';
import { readTracingSettings } from '../../src/tracing/tracing';

describe('log and trace settings', () => {
  it('JSON by default under NODE_ENV=production, pretty elsewhere; LOG_FORMAT overrides; LOG_LEVEL defaults to info', () => {
    expect(readLogSettings({ NODE_ENV: 'production' })).to.deep.equal({ format: 'json', level: 'info' });
    expect(readLogSettings({})).to.deep.equal({ format: 'pretty', level: 'info' });
    expect(readLogSettings({ NODE_ENV: 'production', LOG_FORMAT: 'pretty', LOG_LEVEL: 'Debug' })).to.deep.equal({ format: 'pretty', level: 'debug' });
  });

  for (const env of [{ LOG_FORMAT: 'xml' }, { LOG_LEVEL: 'loud' }, { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }]) {
    it(`refuses ${JSON.stringify(env)} with CONFIG.INVALID_VALUE`, () => {
      const read = () => (env.OTEL_EXPORTER_OTLP_ENDPOINT ? readTracingSettings(env) : readLogSettings(env));
      expect(read).to.throw(ConfigError).with.property('code', 'CONFIG.INVALID_VALUE');
    });
  }

  it('tracing is off without OTEL_EXPORTER_OTLP_ENDPOINT; OTEL_SERVICE_NAME names the service', () => {
    expect(readTracingSettings({})).to.equal(undefined);
    expect(readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/', OTEL_SERVICE_NAME: 'desk' })).to.deep.equal({ endpoint: 'http://127.0.0.1:4318', serviceName: 'desk' });
  });
});

describe('redactText', () => {
  const cases: Array<[string, string]> = [
    ['postgres://app:s3cret@db.internal:5432/desk', 's3cret'],
    ['GET /contracts?password=hunter2&x=1', 'hunter2'],
    ['GET /contracts?a=1&token=abc123', 'abc123'],
    ['callback?access_token=abc.def.ghi', 'abc.def.ghi'],
    ['Authorization: Bearer x.y.z', 'x.y.z'],
    ['sent bearer 0123456789abcdefXYZ', '0123456789abcdefXYZ'],
    ['cookie: session=topsecretvalue', 'topsecretvalue'],
    ['token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl', 'eyJzdWIiOiJ4In0'],
  ];
  for (const [text, secret] of cases) {
    it(`hides the secret in ${JSON.stringify(text)}`, () => {
      expect(redactText(text)).not.to.include(secret);
      expect(redactText(text)).to.include('[REDACTED]');
    });
  }

  it('leaves prose and ordinary lines alone', () => {
    for (const text of ['bearer tokens verified with AUTH_JWT_SECRET (HS256)', 'listening on http://[::]:3000 (all interfaces)', 'database: PostgreSQL (postgres://app@db/desk)', 'DB.UNREACHABLE: postgres://app:***@127.0.0.1:5432/desk']) {
      expect(redactText(text)).to.equal(text);
    }
  });
});
