/* `dlakit compile` / `analyze` on a fuzzed int8 model: load -> the program (plan-only context,
 * steps, arena plan) -> the generated C written to a per-process folder. The plan must pass
 * dlk_plan_check (no two live buffers overlap, alignment, inside the arena) and its peak must not
 * be below the layer-by-layer lower bound. A model the program refuses must say why. */
#include "fuzz_common.h"
#include "codegen/program.h"

#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_limits();
    static char dir[64];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/dlk-fuzz-compile-%d", access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm", (int)getpid());
        mkdir(dir, 0700);
    }
    dlk_err err;
    dlk_model *m = dlk_model_load_buffer(data, size, "fuzz.onnx", &err);
    if (!m) {
        if (!err.msg[0]) abort();
        return 0;
    }
    dlk_program p;
    memset(&p, 0, sizeof p);
    /* the declared size, or a small one (sizes come from the last byte: 0 = declared) */
    const int sz = size ? (data[size - 1] & 3) * 16 : 0;
    if (dlk_program_build(m, sz, sz, &p, &err)) {
        if (!err.msg[0]) abort();
    } else {
        if (dlk_plan_check(p.bufs, p.n_bufs, p.align, p.arena_bytes)) {
            fprintf(stderr, "program plan check failed\n");
            abort();
        }
        if (p.arena_bytes < p.lower_bound) {
            fprintf(stderr, "arena %zu below the lower bound %zu\n", p.arena_bytes, p.lower_bound);
            abort();
        }
        if (dlk_codegen_write(&p, "fz", dir, "fuzz.onnx", &err) && !err.msg[0]) abort();
    }
    dlk_program_free(&p);
    dlk_model_free(m);
    return 0;
}
