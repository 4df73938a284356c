# Runs google-research/bert create_pretraining_data.py's own functions (tensorflow stubbed) on pre-tokenized
# documents, for the TypeScript test's expectations.
import json, random, sys, types
tf = types.ModuleType("tensorflow")
class _Flags:
    def __getattr__(self, name): return lambda *a, **k: None
tf.flags = types.SimpleNamespace(DEFINE_string=lambda *a, **k: None, DEFINE_integer=lambda *a, **k: None,
    DEFINE_bool=lambda *a, **k: None, DEFINE_float=lambda *a, **k: None, FLAGS=types.SimpleNamespace(do_whole_word_mask=False))
sys.modules["tensorflow"] = tf
sys.modules["tokenization"] = types.ModuleType("tokenization")
src = open(sys.argv[1]).read()
ns = {}
exec(compile(src, "create_pretraining_data.py", "exec"), ns)
ns["FLAGS"].do_whole_word_mask = False
words = "patient denies chest pain shortness of breath history hyper ##tension diabetes type two on met ##formin daily labs trop ##onin elevated ekg sinus rhythm admit consult echo follow up stable home with plan nausea fever abdomen soft lungs clear".split()
vocab_words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + words
r = random.Random(7)
documents = []
for d in range(12):
    doc = []
    for s in range(r.randint(1, 7)):
        doc.append([r.choice(words) for _ in range(r.randint(1, 30))])
    documents.append(doc)
out = {"documents": documents, "vocab_words": vocab_words, "cases": []}
for (seed, max_seq, dupe, short_p, mlm_p, max_pred) in [(12345, 128, 5, 0.1, 0.15, 20), (42, 32, 2, 0.5, 0.3, 5)]:
    rng = random.Random(seed)
    all_documents = [list(map(list, doc)) for doc in documents]
    all_documents = [x for x in all_documents if x]
    rng.shuffle(all_documents)
    instances = []
    for _ in range(dupe):
        for i in range(len(all_documents)):
            instances.extend(ns["create_instances_from_document"](all_documents, i, max_seq, short_p, mlm_p, max_pred, vocab_words, rng))
    rng.shuffle(instances)
    out["cases"].append({"seed": seed, "max_seq_length": max_seq, "dupe_factor": dupe, "short_seq_prob": short_p,
        "masked_lm_prob": mlm_p, "max_predictions_per_seq": max_pred,
        "first_random": random.Random(seed).random(),
        "instances": [{"tokens": x.tokens, "segment_ids": x.segment_ids, "is_random_next": x.is_random_next,
                       "masked_lm_positions": x.masked_lm_positions, "masked_lm_labels": x.masked_lm_labels} for x in instances]})
print(json.dumps(out))
