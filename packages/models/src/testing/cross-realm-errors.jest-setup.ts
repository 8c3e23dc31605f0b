import { runInThisContext } from 'node:vm';

/*
 * Jest runs each spec in a vm context with its own Error constructors, while
 * Node's built-in fetch (undici inside Node) rejects with errors made in the
 * main context. `error instanceof Error` is then false in a spec, and SDKs
 * misread such errors: openai 7 turns a fetch timeout into a plain
 * "Connection error" because its AbortError check fails. Jest 30 has no
 * option for this, so each of the spec context's error constructors is taught
 * to recognise instances of its main-context twin. Subclasses keep the
 * ordinary check.
 */
const ERROR_CONSTRUCTORS = [
  'Error',
  'TypeError',
  'RangeError',
  'SyntaxError',
  'ReferenceError',
  'EvalError',
  'URIError',
];

const ordinaryHasInstance = Function.prototype[Symbol.hasInstance];
const specGlobals = globalThis as unknown as Record<string, unknown>;

for (const name of ERROR_CONSTRUCTORS) {
  const specConstructor = specGlobals[name] as (new () => unknown) | undefined;
  const mainConstructor = runInThisContext(name) as new () => unknown;
  if (specConstructor === undefined || specConstructor === mainConstructor) {
    continue;
  }
  Object.defineProperty(specConstructor, Symbol.hasInstance, {
    configurable: true,
    value(this: unknown, instance: unknown): boolean {
      if (ordinaryHasInstance.call(this, instance)) {
        return true;
      }
      return this === specConstructor && ordinaryHasInstance.call(mainConstructor, instance);
    },
  });
}
