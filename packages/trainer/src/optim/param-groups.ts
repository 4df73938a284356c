/** TrainingArguments.weight_decay as the research main.py passes it (`--wd`, default 0.01). */
export const DEFAULT_WEIGHT_DECAY = 0.01;

/**
 * Whether a Hugging Face parameter name belongs to a LayerNorm module, judged from the module path: BERT names its
 * norms `LayerNorm`, ModernBERT `norm`, `attn_norm`, `mlp_norm`, `final_norm` (all `nn.LayerNorm`).
 */
export function isLayerNormParameter(name: string): boolean {
  const parts = name.split('.');
  const module = parts[parts.length - 2] ?? '';
  return module === 'LayerNorm' || /(^|_)norm$/.test(module);
}

/**
 * `Trainer.get_decay_parameter_names` (transformers 4.48): every parameter not inside an `nn.LayerNorm` module and
 * whose name does not contain "bias". `isNorm` defaults to the name rule above; pass the model's own knowledge when
 * it has it.
 */
export function decayParameterNames(
  names: Iterable<string>,
  isNorm: (name: string) => boolean = isLayerNormParameter,
): Set<string> {
  const decay = new Set<string>();
  for (const name of names) if (!isNorm(name) && !name.includes('bias')) decay.add(name);
  return decay;
}

/** Each parameter's weight decay: `weightDecay` for the decay group, 0 for the rest (Trainer.create_optimizer). */
export function weightDecayByParameter(
  names: Iterable<string>,
  weightDecay: number,
  isNorm?: (name: string) => boolean,
): Map<string, number> {
  const list = [...names];
  const decay = decayParameterNames(list, isNorm);
  return new Map(list.map((name) => [name, decay.has(name) ? weightDecay : 0]));
}
