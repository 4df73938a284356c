# Reference: logic of ModernBERT GreedyBestFitSequencePacker._create_batch/_fill_buffer (numpy only), for test expectations.
import numpy as np, json
from collections import deque
class P:
    def __init__(s, src, src_batch_size, out_batch_size, out_pseq_len, buffer_size, pad):
        s.it=iter(src); s.src_batch_size=src_batch_size; s.out_batch_size=out_batch_size; s.out_pseq_len=out_pseq_len; s.buffer_size=buffer_size; s.pad_token_id=pad; s.buffer=deque()
    def _fill_buffer(self, max_items_to_add=float("inf")):
        items_added = 0
        while (self.buffer_size - len(self.buffer)) > self.src_batch_size:
            try:
                if max_items_to_add < float("inf"):
                    if (items_added + self.src_batch_size) > max_items_to_add:
                        break
                incoming_batch = next(self.it)
                for item in incoming_batch:
                    if len(item) > 0:
                        self.buffer.append(item); items_added += 1
            except StopIteration:
                break
        return items_added
    def _create_batch(self):
        batch = np.full((self.out_batch_size, self.out_pseq_len), self.pad_token_id, dtype=np.int64)
        seq_counts = np.zeros(self.out_batch_size, dtype=np.int32)
        cum_seq_lens = [[0] for _ in range(self.out_batch_size)]
        remaining_spaces = np.full((self.out_batch_size,), self.out_pseq_len, dtype=np.int32)
        temp_buffer = []
        while True:
            if not self.buffer:
                items_to_fetch = self.buffer_size - len(temp_buffer)
                items_added = self._fill_buffer(items_to_fetch)
                if items_added == 0: break
            seq = self.buffer.popleft(); seq_len = len(seq)
            valid = seq_len <= remaining_spaces
            if np.any(valid):
                best = np.arange(len(remaining_spaces))[valid][np.argmin(remaining_spaces[valid])]
                end_pos = self.out_pseq_len - remaining_spaces[best]
                batch[best, end_pos:end_pos+seq_len] = seq
                seq_counts[best] += 1; remaining_spaces[best] -= seq_len
                cum_seq_lens[best].append(cum_seq_lens[best][-1] + seq_len)
            else:
                temp_buffer.append(seq)
        self.buffer.extendleft(temp_buffer)
        if np.all(seq_counts > 0):
            for x in cum_seq_lens:
                if x[-1] != self.out_pseq_len: x.append(self.out_pseq_len)
            return batch, cum_seq_lens
        return None
rng = np.random.default_rng(5)
lengths = rng.integers(1, 13, 60).tolist()
seqs=[]; nxt=1
for L in lengths:
    seqs.append(list(range(nxt, nxt+L))); nxt+=L
src=[seqs[i:i+6] for i in range(0,len(seqs),6)]
p=P(src, 6, 3, 16, 30, -1)
out=[]
while True:
    r=p._create_batch()
    if r is None: break
    out.append({"ids": r[0].tolist(), "cu": r[1]})
print(json.dumps({"lengths": lengths, "src_batch_size": 6, "out_batch_size": 3, "out_pseq_len": 16, "buffer_size": 30, "pad": -1, "batches": out}))
