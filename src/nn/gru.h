/* nn gru: one direction of a GRU layer over a batch of sequences (Cho et al. 2014), the
 * building block of the CRNN's bidirectional recurrent head (crnn.c runs it twice, once per
 * direction, into the two halves of one output row).
 *
 * Gates in PyTorch's order and convention (so weights map one to one onto torch.nn.GRU's
 * weight_ih_l0 / weight_hh_l0 / bias_ih_l0 / bias_hh_l0):
 *   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
 *   z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
 *   h' = (1 - z) * n + z * h,     h = 0 before the first step.
 *
 * Cost structure: the input projections of every step are ONE sgemm over all B*T rows
 * (N x 3H x D); only the recurrent product h . W_hh^T is per step, one sgemm over the batch
 * (B x 3H x H). Backward likewise: per step only dh_prev = dgates . W_hh; the weight and
 * bias gradients and dinp are three sgemms over all rows after the loop.
 *
 * Lengths: sample b holds len[b] frames (1..T); the rest of its rows are padding. The
 * reverse direction starts at frame len[b]-1, and padded frames output 0 and carry no state,
 * so a sample's outputs do not depend on how much padding its batch added (training pads to
 * the widest line; inference reads one line unpadded: both see the same function).
 *
 * Determinism: the element-wise work runs in the caller's thread in a fixed order and the
 * sgemms are OpenBLAS's, so results do not depend on the thread count (see parallel.h). */
#ifndef AP_NN_GRU_H
#define AP_NN_GRU_H

/* Forward of one direction (reverse: 0 runs t = 0..len-1, 1 runs len-1..0).
 * out:    rows (B, T) of ldo floats; this direction writes columns [0, H) of each row
 * gates:  (B, T, 3H) kept for backward: r, z, n after their nonlinearities
 * hn:     (B, T, H)  kept: W_hn h + b_hn
 * hprev:  (B, T, H)  kept: the state each step started from
 * step:   (B, 3H)    scratch
 * inp:    (B, T, D)  w_ih: (3H, D)  w_hh: (3H, H)  b_ih, b_hh: (3H)  len: (B), 1..T */
void nn_gru_forward(float *restrict out, int ldo, float *restrict gates, float *restrict hn,
                    float *restrict hprev, float *restrict step, const float *restrict inp,
                    const float *restrict w_ih, const float *restrict w_hh,
                    const float *restrict b_ih, const float *restrict b_hh, const int *len, int B,
                    int T, int D, int H, int reverse);

/* Backward of the last forward with the same buffers. ADDS into dinp (B, T, D) (may be
 * NULL), dw_ih, dw_hh, db_ih, db_hh (each may be NULL: frozen). dout: rows (B, T) of ldo
 * floats, columns [0, H) the gradient of this direction's output (read only).
 * Scratch: dgx (B, T, 3H), dgh (B, T, 3H), dh (B, H), all overwritten. */
void nn_gru_backward(float *restrict dinp, float *restrict dw_ih, float *restrict dw_hh,
                     float *restrict db_ih, float *restrict db_hh, float *restrict dgx,
                     float *restrict dgh, float *restrict dh, const float *restrict dout, int ldo,
                     const float *restrict gates, const float *restrict hn,
                     const float *restrict hprev, const float *restrict inp,
                     const float *restrict w_ih, const float *restrict w_hh, const int *len, int B,
                     int T, int D, int H, int reverse);

#endif
