/**
 * A read model is described once, field by field: the entity property it reads, its kind, and the JSON Schema of
 * its value on the wire. The services decode rows by kind (db/view-query.ts), the HTTP app encodes bodies by kind
 * (viewBody) and builds its OpenAPI schema from `schema`, so the three cannot drift apart.
 */
export type FieldKind = 'string' | 'integer' | 'stroops' | 'datetime';

/** The value a field holds in the read model: the entity's own types (int64 stroops exact as bigint, dates as Date). */
interface ModelTypes {
  string: string;
  integer: number;
  stroops: bigint;
  datetime: Date;
}

/** The value on the wire: int64 as decimal digits (JSON numbers lose them), dates as ISO 8601 strings. */
interface WireTypes {
  string: string;
  integer: number;
  stroops: string;
  datetime: string;
}

/** The JSON Schema keywords a field's wire value declares (what the OpenAPI document shows). */
export interface WireSchema {
  readonly type: 'string' | 'integer';
  readonly format?: string;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly minimum?: number;
  readonly description?: string;
  readonly example?: string;
}

export interface ViewField<E = unknown> {
  /** The entity property the field reads (a many-to-one reads its foreign key). */
  readonly property: keyof E & string;
  readonly kind: FieldKind;
  readonly schema: WireSchema;
}

export type ViewFields<E = unknown> = Readonly<Record<string, ViewField<E>>>;

export type ModelOf<F extends ViewFields<never>> = { readonly [K in keyof F]: ModelTypes[F[K]['kind']] };
export type WireOf<F extends ViewFields<never>> = { [K in keyof F]: WireTypes[F[K]['kind']] };

/** A read model as its JSON body: only the declared fields, each encoded by its kind. */
export function viewBody<F extends ViewFields<never>>(fields: F, view: ModelOf<F>): WireOf<F> {
  const body: Record<string, unknown> = {};
  for (const name of Object.keys(fields)) {
    const value = (view as Record<string, unknown>)[name];
    switch (fields[name].kind) {
      case 'stroops':
        body[name] = (value as bigint).toString();
        break;
      case 'datetime':
        body[name] = (value as Date).toISOString();
        break;
      default:
        body[name] = value;
    }
  }
  return body as WireOf<F>;
}
