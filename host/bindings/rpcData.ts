/**
 * What the app's output values look like on the host's side of the worker protocol (the
 * programming model turns a string into `string`, a Buffer into `bytes`, a number into `int` or
 * `double`, anything else into `json`), and the input values the host sends back.
 */
import type { RpcTypedData } from '../runtime/core';

/** The value as bytes, the way the host writes it to a blob: text as UTF-8, JSON as its text. */
export function bytesOf(data: RpcTypedData): Buffer | undefined {
  if (data.bytes) return Buffer.from(data.bytes);
  if (data.stream) return Buffer.from(data.stream);
  const text = textOf(data);
  return text === undefined ? undefined : Buffer.from(text, 'utf8');
}

/** The value as text (JSON as its text, numbers as digits), or undefined for none or bytes. */
export function textOf(data: RpcTypedData): string | undefined {
  if (typeof data.string === 'string') return data.string;
  if (typeof data.json === 'string') return data.json;
  if (typeof data.int === 'number') return String(data.int);
  if (typeof data.double === 'number') return String(data.double);
  return undefined;
}

/**
 * The items of an output: a JSON list is one item per element (a queue message, a table entity
 * each), anything else is one item.
 */
export function itemsOf(data: RpcTypedData): unknown[] {
  if (typeof data.json === 'string') {
    const parsed = JSON.parse(data.json) as unknown;
    return Array.isArray(parsed) ? parsed : [parsed];
  }
  if (data.bytes || data.stream) return [bytesOf(data)];
  if (typeof data.string === 'string') return [data.string];
  if (typeof data.int === 'number') return [data.int];
  if (typeof data.double === 'number') return [data.double];
  return [];
}

/** Nothing: the programming model gives the function `undefined` for it. */
export const NONE: RpcTypedData = {};

export const jsonData = (value: unknown): RpcTypedData => ({ json: JSON.stringify(value) });

/** Text, or bytes when it is not valid UTF-8 (as the host sends a message that is no string). */
export function textOrBytes(bytes: Buffer): RpcTypedData {
  const text = utf8(bytes);
  return text === undefined ? { bytes } : { string: text };
}

/** The bytes as UTF-8 text, or undefined when they are not valid UTF-8. */
export function utf8(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** The HTTP status of a storage SDK error, if it has one. */
export const statusOf = (error: unknown): number | undefined =>
  (error as { statusCode?: number } | null)?.statusCode;
