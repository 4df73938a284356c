import { builtinEngines } from './builtin-engines.js';
import type { EngineRegistration } from './engine.js';
import { EngineUnavailableError } from './errors.js';

let registry: Map<string, EngineRegistration> | undefined;

/** The registry, filled with the built-in engines on first use (so importing the package has no side effects). */
function engines(): Map<string, EngineRegistration> {
  registry ??= new Map(builtinEngines().map((registration) => [registration.name, registration]));
  return registry;
}

/** Adds an engine (or replaces one of the same name). Registration order is preference order within a family. */
export function registerEngine(registration: EngineRegistration): void {
  engines().set(registration.name, registration);
}

export function registeredEngines(): EngineRegistration[] {
  return [...engines().values()];
}

/**
 * Turns `--engine` values into engines that can run here: an engine name selects that engine, a family
 * name the first available engine of the family (its active backend), and `all` every available engine.
 */
export async function selectEngines(selectors: readonly string[]): Promise<EngineRegistration[]> {
  const selected = new Map<string, EngineRegistration>();
  for (const selector of selectors) {
    for (const registration of await resolveSelector(selector)) selected.set(registration.name, registration);
  }
  return [...selected.values()];
}

async function resolveSelector(selector: string): Promise<EngineRegistration[]> {
  const all = registeredEngines();
  if (selector === 'all') {
    const available = [];
    for (const registration of all)
      if ((await registration.available()) === true) available.push(registration);
    if (available.length === 0) throw new EngineUnavailableError('No inference engine is installed');
    return available;
  }
  const byName = engines().get(selector);
  if (byName !== undefined) {
    const status = await byName.available();
    if (status !== true) throw new EngineUnavailableError(`Engine ${selector} is not available: ${status}`);
    return [byName];
  }
  const family = all.filter((registration) => registration.family === selector);
  if (family.length === 0) {
    const known = [...new Set(all.flatMap((registration) => [registration.family, registration.name]))];
    throw new EngineUnavailableError(`Unknown engine "${selector}"`, {
      hint: `Choose from all, ${known.join(', ')}`,
    });
  }
  const reasons: string[] = [];
  for (const registration of family) {
    const status = await registration.available();
    if (status === true) return [registration];
    reasons.push(`${registration.name}: ${status}`);
  }
  throw new EngineUnavailableError(`No ${selector} engine is installed (${reasons.join('; ')})`);
}
