import 'reflect-metadata';
import { type INestApplication, type Type, UnauthorizedException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { jwtVerify } from 'jose';
import { announce, childConfig } from '../../http/child';

/**
 * What both peers share: the settings they are started with, the token check, the state machine, If-Match and
 * the response body. Each is what a Nest team writes once in its own code base; the ORM-specific parts (entities,
 * the caller lookup, the versioned write) live in typeorm/ and mikro-orm/.
 */
export interface PeerSettings {
  /** SQLite file (DB_PATH) or PostgreSQL URL (DATABASE_URL): the database the app was migrated and seeded into. */
  db: { kind: 'sqlite'; path: string; synchronous: string } | { kind: 'postgresql'; url: string; poolMax: number };
  secret: Uint8Array;
  issuer: string;
  audience: string;
}

export function peerSettings(): PeerSettings {
  const { env } = childConfig();
  const db: PeerSettings['db'] = env.DATABASE_URL
    ? { kind: 'postgresql', url: env.DATABASE_URL, poolMax: Number(env.DB_POOL_MAX ?? 10) }
    : { kind: 'sqlite', path: env.DB_PATH, synchronous: env.DB_SYNCHRONOUS ?? 'NORMAL' };
  return { db, secret: new TextEncoder().encode(env.AUTH_JWT_SECRET), issuer: env.AUTH_ISSUER, audience: env.AUTH_AUDIENCE };
}

export const SETTINGS = Symbol('PEER_SETTINGS');

/** The request as the guard leaves it for the controller. */
export interface CallerRequest {
  headers: Record<string, string | string[] | undefined>;
  callerId?: string;
}

/**
 * The bearer token's subject, verified as the app verifies it (jose, HS256, issuer and audience). On every
 * request: a cache of verified tokens, as the app keeps, is not what a team writes first.
 */
export async function verifiedSubject(settings: PeerSettings, authorization: string | string[] | undefined): Promise<string> {
  const match = typeof authorization === 'string' ? /^Bearer +(\S+)$/i.exec(authorization) : null;
  if (!match) throw new UnauthorizedException();
  try {
    const { payload } = await jwtVerify(match[1], settings.secret, { algorithms: ['HS256'], issuer: settings.issuer, audience: settings.audience, requiredClaims: ['sub', 'exp'] });
    return payload.sub!;
  } catch {
    throw new UnauthorizedException();
  }
}

export const STATUSES = ['draft', 'active', 'completed', 'disputed', 'cancelled'] as const;
export type Status = (typeof STATUSES)[number];

export const TRANSITIONS: Record<Status, readonly Status[]> = {
  draft: ['active', 'cancelled'],
  active: ['completed', 'disputed', 'cancelled'],
  disputed: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
};

export const isStatus = (value: unknown): value is Status => typeof value === 'string' && (STATUSES as readonly string[]).includes(value);

/** `"3"`, `3` or `W/"3"`; undefined for anything else. */
export function ifMatchVersion(header: string | undefined): number | undefined {
  const match = /^(?:W\/)?"?(\d{1,10})"?$/.exec(header?.trim() ?? '');
  return match ? Number(match[1]) : undefined;
}

export interface ContractFields {
  id: string;
  title: string;
  clientId: string;
  freelancerId: string;
  amount: string;
  currency: string;
  status: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The app's response body, field for field (int64 amounts as decimal strings, ISO timestamps). */
export function present(c: ContractFields) {
  return {
    id: c.id,
    title: c.title,
    clientId: c.clientId,
    freelancerId: c.freelancerId,
    amount: c.amount,
    currency: c.currency,
    status: c.status,
    version: c.version,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

/** Nest on its Fastify adapter with the adapter's defaults, listening on loopback for the bench's parent. */
export async function serve(module: Type, name: string, close?: (app: INestApplication) => Promise<void>): Promise<void> {
  try {
    const app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(), { logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    announce(app.getHttpServer(), () => (close ? close(app) : app.close()));
  } catch (error) {
    process.stderr.write(`[bench:http] ${name} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  }
}
