import * as tf from '@tensorflow/tfjs-core';

/**
 * tfjs-core ships its op gradients apart from the Node bundle, only as ES modules with extensionless relative
 * imports, which Node's resolver (and tsx's) refuses. This resolve hook retries such imports from inside
 * tfjs-core's dist with ".js" appended; it touches nothing else.
 */
const RESOLVE_HOOK = `
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    const parent = context.parentURL ?? '';
    if (!specifier.startsWith('.') || !parent.includes('/@tensorflow/tfjs-core/dist/')) throw error;
    return next(specifier + '.js', context);
  }
}`;

let registration: Promise<void> | undefined;

/**
 * Registers tfjs-core's gradient functions (needed by tf.variableGrads / optimizers), once per process.
 * `initBackend` calls it; call it yourself only when selecting the backend some other way.
 */
export function registerGradients(): Promise<void> {
  registration ??= (async () => {
    // Already registered (a bundler or the union @tensorflow/tfjs package did it).
    if (tf.getGradient(tf.RealDiv) !== undefined) return;
    const { register } = await import('node:module');
    register(`data:text/javascript,${encodeURIComponent(RESOLVE_HOOK)}`);
    await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  })();
  return registration;
}
