/**
 * Packages a function needs only on some paths (a phone number, the contact cache), required when
 * first needed instead of evaluated with the bundle at every cold start. Run from the source they
 * resolve in node_modules; a bundle finds them in the node_modules folder its bundling writes
 * beside it (LAMBDA_SIDE_FILES in infra/bundling.ts lists each specifier used here).
 */

import { createRequire } from 'node:module';

let require: NodeJS.Require | undefined;

/** The package module `specifier`, required synchronously (Node caches it). */
export function requireOnDemand<T>(specifier: string): T {
  require ??= createRequire(import.meta.url);
  return require(specifier) as T;
}
