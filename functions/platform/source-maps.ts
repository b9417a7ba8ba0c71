/**
 * Stack traces of a bundled function name the TypeScript source, without
 * `--enable-source-maps` (which reads and indexes every bundle file's map as it loads, ~10 ms of
 * each cold start): the map beside a bundle file is read the first time a stack trace names that
 * file, and the trace's frames are mapped as Node's own source map support maps them. Unbundled
 * (tsx, Jest) or with `--enable-source-maps` on, nothing is installed.
 */

import { existsSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapping } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A bundle file's map, with its sources as absolute URLs; null when it has none. */
interface LoadedMap {
  readonly map: SourceMap;
  readonly sources: ReadonlyMap<string, string>;
}

const maps = new Map<string, LoadedMap | null>();

/** What `findEntry` gives: nothing where the map has no entry; `name` where the map names one. */
type Entry = Partial<SourceMapping> & { readonly name?: string };

const entryAt = (loaded: LoadedMap, line: number, column: number): Entry =>
  loaded.map.findEntry(line - 1, column - 1);

function mapOf(fileName: string | null): LoadedMap | null {
  if (fileName === null || !(fileName.startsWith('file:') || fileName.startsWith('/'))) return null;
  let loaded = maps.get(fileName);
  if (loaded !== undefined) return loaded;
  loaded = null;
  try {
    const path = fileName.startsWith('file:') ? fileURLToPath(fileName) : fileName;
    const mapUrl = pathToFileURL(`${path}.map`);
    const payload = JSON.parse(readFileSync(mapUrl, 'utf8'));
    // Resolved against the map's own location, as Node resolves them.
    const sources = new Map<string, string>(
      (payload.sources as string[]).map((source) => [source, new URL(source, mapUrl).href]),
    );
    loaded = { map: new SourceMap(payload), sources };
  } catch {
    // No map beside it (or an unreadable one): the frame stays as it is.
  }
  maps.set(fileName, loaded);
  return loaded;
}

/** The source's name for the function a frame is in, as Node finds it. */
function originalName(loaded: LoadedMap, site: NodeJS.CallSite, caller?: NodeJS.CallSite) {
  const line = site.getEnclosingLineNumber();
  const column = site.getEnclosingColumnNumber();
  if (line !== null && column !== null) {
    const name = entryAt(loaded, line, column).name;
    if (name) return name;
  }
  const callerMap = caller === undefined ? null : mapOf(caller.getFileName());
  const callerLine = caller?.getLineNumber();
  const callerColumn = caller?.getColumnNumber();
  if (callerMap === null || callerLine == null || callerColumn == null) return undefined;
  return entryAt(callerMap, callerLine, callerColumn).name || undefined;
}

/** One frame as Node's source map support writes it, or null when its file has no map. */
function mappedFrame(site: NodeJS.CallSite, caller?: NodeJS.CallSite): string | null {
  const loaded = mapOf(site.getFileName());
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  if (loaded === null || line === null || column === null) return null;
  const entry = entryAt(loaded, line, column);
  if (
    entry.originalSource === undefined ||
    entry.originalLine === undefined ||
    entry.originalColumn === undefined
  ) {
    return null;
  }
  const source = loaded.sources.get(entry.originalSource) ?? entry.originalSource;
  const file = source.startsWith('file:') ? fileURLToPath(source) : source;
  const prefix = site.isAsync() ? 'async ' : site.isConstructor() ? 'new ' : '';
  const typeName = site.getTypeName();
  const bundledName = `${typeName !== null && typeName !== 'global' ? `${typeName}.` : ''}${
    site.getFunctionName() ?? site.getMethodName() ?? '<anonymous>'
  }`;
  const name = originalName(loaded, site, caller) ?? bundledName;
  return `${prefix}${name} (${file}:${entry.originalLine + 1}:${entry.originalColumn + 1})`;
}

function errorHeader(error: unknown): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return String(error);
  }
}

let installed = false;

/**
 * Maps stack traces through the bundle's source maps from now on: once per process, and only
 * when this file runs from a bundle with its map beside it and Node does not map them already.
 */
export function mapStackTracesLazily(): void {
  if (installed || process.sourceMapsEnabled) return;
  installed = true;
  if (!existsSync(`${fileURLToPath(import.meta.url)}.map`)) return;
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, trace) => {
    const frames = trace.map((site, index) => mappedFrame(site, trace[index + 1]));
    if (previous !== undefined && frames.every((frame) => frame === null)) {
      return previous(error, trace);
    }
    const lines = frames.map((frame, index) => `\n    at ${frame ?? String(trace[index])}`);
    return `${errorHeader(error)}${lines.join('')}`;
  };
}
