import { OnnxRuntimeMissingError } from './errors.js';

/**
 * A loader for an optional peer dependency: imported once on first use (retried after a failure, which becomes a
 * typed error naming the package). `importer` keeps the literal `import('…')` bundlers need to see.
 */
export function optionalModule<M>(name: string, importer: () => Promise<unknown>): () => Promise<M> {
  let loading: Promise<M> | undefined;
  return () => {
    loading ??= importer().then(
      (module) => ((module as { default?: M }).default ?? module) as M,
      (error: unknown) => {
        loading = undefined;
        throw new OnnxRuntimeMissingError(`${name} is not installed or cannot load`, {
          cause: error,
          hint: `Install it next to bcmb: npm i ${name}`,
        });
      },
    );
    return loading;
  };
}
