import { type EntityMetadata, type EntityProperty, type MetadataStorage, ReferenceKind } from '@mikro-orm/core';

/** How a column's value is carried between the drivers and written into the checksum. */
export type ColumnKind = 'text' | 'uuid' | 'int' | 'int64' | 'datetime';

export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
  nullable: boolean;
}

export interface TableSpec {
  name: string;
  /** Sorted by name: the checksum's canonical row layout does not depend on declaration order. */
  columns: ColumnSpec[];
  primaryKey: string[];
}

/**
 * Tables of the mapped entities, parents before children (FK order), derived from the ORM metadata so a
 * new entity is copied and verified without editing the copy tool. Column kinds come from runtime types,
 * which are the same on both dialects (the SQL column types are not: uuid is `text` on SQLite).
 */
export function tableSpecs(metadata: MetadataStorage): TableSpec[] {
  const metas = Object.values(metadata.getAll()).filter((m) => m.tableName && !m.embeddable && !m.virtual && !m.abstract);
  const byClass = new Map(metas.map((m) => [m.className, m]));
  const ordered: EntityMetadata[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (meta: EntityMetadata): void => {
    const seen = state.get(meta.className);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new Error(`FK cycle through ${meta.tableName}: copy order cannot be derived`);
    state.set(meta.className, 'visiting');
    for (const prop of meta.props) {
      const target = prop.targetMeta && byClass.get(prop.targetMeta.className);
      if (target && target !== meta && isOwningRelation(prop)) visit(target);
    }
    state.set(meta.className, 'done');
    ordered.push(meta);
  };
  // Visit in table-name order so the result is stable whatever order the entities were declared in.
  for (const meta of [...metas].sort((a, b) => a.tableName.localeCompare(b.tableName))) visit(meta);
  return ordered.map((meta) => toSpec(meta, byClass));
}

function isOwningRelation(prop: EntityProperty): boolean {
  return prop.kind === ReferenceKind.MANY_TO_ONE || (prop.kind === ReferenceKind.ONE_TO_ONE && !!prop.owner);
}

function toSpec(meta: EntityMetadata, byClass: Map<string, EntityMetadata>): TableSpec {
  const columns: ColumnSpec[] = [];
  for (const prop of meta.props) {
    if (prop.persist === false || !prop.fieldNames?.length) continue;
    if (prop.kind !== ReferenceKind.SCALAR && !isOwningRelation(prop)) continue;
    const kinds = isOwningRelation(prop) ? referencedKinds(prop, byClass) : [scalarKind(prop)];
    prop.fieldNames.forEach((name, i) => columns.push({ name, kind: kinds[i] ?? 'text', nullable: !!prop.nullable }));
  }
  columns.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const primaryKey = meta.primaryKeys.flatMap((key) => meta.properties[key].fieldNames);
  return { name: meta.tableName, columns, primaryKey };
}

function referencedKinds(prop: EntityProperty, byClass: Map<string, EntityMetadata>): ColumnKind[] {
  const target = byClass.get(prop.targetMeta!.className)!;
  return target.primaryKeys.flatMap((key) => {
    const pk = target.properties[key];
    return isOwningRelation(pk) ? referencedKinds(pk, byClass) : [scalarKind(pk)];
  });
}

function scalarKind(prop: EntityProperty): ColumnKind {
  const runtime = String(prop.runtimeType ?? '').toLowerCase();
  const type = String(prop.type ?? '').toLowerCase();
  if (runtime === 'date') return 'datetime';
  if (runtime === 'bigint') return 'int64';
  if (runtime === 'number') return 'int';
  if (type === 'uuid') return 'uuid';
  return 'text';
}
