/**
 * shared/base64url.ts as a browser runs it: a second instance of the module (a query makes it one), loaded while
 * `Buffer` is hidden, so its btoa/atob path — the console's — is the one tested, against Node's Buffer.
 */
import { vi } from 'vitest';
import type * as base64url from '../../shared/base64url.js';

type Codec = typeof base64url;
const browserInstance = '../../shared/base64url.js?without-buffer';

vi.stubGlobal('Buffer', undefined);
const browser = (await import(/* @vite-ignore */ browserInstance)) as Codec;
vi.unstubAllGlobals();

export const { decode, encode } = browser;
