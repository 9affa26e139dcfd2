// embed.cpp — the C++ twin of embed.c: one shared model, wrapped pixel buffers, screened by the
// library's batch engine in input order.
//
// Build against an installed libscan:
//     c++ -std=c++17 embed.cpp $(pkg-config --cflags --libs libscan) -pthread -o embed_cpp
// Run:
//     OPENBLAS_NUM_THREADS=1 ./embed_cpp /usr/local/share/libscan/default.model 12 4
//
// The header is plain C with extern "C"; RAII wrappers below free every handle.
#include <libscan.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace
{

struct CtxFree {
    void operator()(lscan_ctx *c) const { lscan_ctx_free(c); }
};
struct ModelFree {
    void operator()(lscan_model *m) const { lscan_model_free(m); }
};
struct ImageFree {
    void operator()(lscan_image *i) const { lscan_image_free(i); }
};
struct BatchFree {
    void operator()(lscan_batch *b) const { lscan_batch_free(b); }
};
using Ctx = std::unique_ptr<lscan_ctx, CtxFree>;
using Model = std::unique_ptr<lscan_model, ModelFree>;
using Image = std::unique_ptr<lscan_image, ImageFree>;
using Batch = std::unique_ptr<lscan_batch, BatchFree>;

struct Frame { // a buffer the vendor's software already holds
    std::vector<uint16_t> pixels;
    uint32_t width = 0, height = 0;
};

struct Outcome {
    std::string name;
    uint32_t decision = LSCAN_INSPECT;
    double score = 0;
    int status = 0;
};

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: embed_cpp MODEL [SCANS] [THREADS]\n");
        return 2;
    }
    const int n = argc > 2 ? std::atoi(argv[2]) : 8;
    const int threads = argc > 3 ? std::atoi(argv[3]) : 4;
    if (n < 1 || threads < 0) return 2;

    Ctx ctx(lscan_ctx_new());
    lscan_model *raw = nullptr;
    if (int rc = lscan_model_load(ctx.get(), argv[1], &raw)) {
        std::fprintf(stderr, "embed_cpp: %s (%s)\n", lscan_ctx_error_message(ctx.get()),
                     lscan_status_name(rc));
        return 2;
    }
    Model model(raw);

    // Stand-in frames: generated scans copied into vectors we own.
    std::vector<Frame> frames(static_cast<size_t>(n));
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.width = 640;
    p.height = 320;
    for (int i = 0; i < n; i++) {
        lscan_image *g = nullptr;
        if (lscan_synth_generate(ctx.get(), &p, 100 + static_cast<uint64_t>(i), &g, nullptr))
            return 2;
        Image gen(g);
        size_t stride = 0;
        const uint16_t *src = lscan_image_pixels(g, 0, &stride);
        Frame &f = frames[static_cast<size_t>(i)];
        f.width = lscan_image_width(g);
        f.height = lscan_image_height(g);
        f.pixels.resize(static_cast<size_t>(f.width) * f.height);
        for (uint32_t y = 0; y < f.height; y++)
            std::memcpy(&f.pixels[static_cast<size_t>(y) * f.width], src + y * stride,
                        f.width * sizeof(uint16_t));
    }

    // Wrap every frame (no copy), then let the batch engine screen them on `threads` workers.
    std::vector<Image> images;
    for (const Frame &f : frames) {
        lscan_image *img = nullptr;
        if (lscan_image_wrap(ctx.get(), f.pixels.data(), f.width, f.height,
                             f.width * sizeof(uint16_t), 16, nullptr, &img))
            return 2;
        images.emplace_back(img);
    }
    std::vector<Outcome> outcomes;
    lscan_batch_options o;
    lscan_batch_options_init(&o);
    o.threads = static_cast<uint32_t>(threads);
    o.user = &outcomes;
    // Called in input order from this thread: no locking needed here.
    o.on_result = [](void *user, uint64_t, const char *name, const lscan_result *r) -> int {
        auto *out = static_cast<std::vector<Outcome> *>(user);
        out->push_back({name ? name : "", lscan_result_decision(r), lscan_result_score(r),
                        lscan_result_status(r)});
        return 0;
    };
    lscan_batch *b = nullptr;
    if (int rc = lscan_batch_new(ctx.get(), model.get(), &o, &b)) {
        std::fprintf(stderr, "embed_cpp: %s\n", lscan_strerror(rc));
        return 2;
    }
    Batch batch(b);
    for (size_t i = 0; i < images.size(); i++) {
        std::string name = "frame " + std::to_string(i);
        if (lscan_batch_submit_image(batch.get(), images[i].get(), name.c_str(), nullptr)) return 2;
    }
    if (lscan_batch_finish(batch.get())) return 2;

    int failures = 0;
    for (const Outcome &r : outcomes) {
        std::printf("%s: %s score %.4f%s\n", r.name.c_str(),
                    r.decision == LSCAN_RELEASE ? "RELEASE" : "INSPECT", r.score,
                    r.status ? " (not analysed)" : "");
        failures += r.status != LSCAN_OK;
    }
    return outcomes.size() == frames.size() && !failures ? 0 : 1;
}
