/* eval_declared.c — `scan eval`'s figures of the declaration checks, with declarations drawn
 * from the labels: empty containers declared empty and declared loaded, commodity recognition
 * (top-1, top-3, confusion), true declarations and declarations of another group, operating
 * points by declared group, and consignments of one commodity with an outlier swapped in. */
#include "eval_declared.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct count {
    size_t n, k; /* k of n */
};

static double rate(struct count c)
{
    return c.n ? (double)c.k / (double)c.n : NAN;
}

static void add(struct count *c, bool hit)
{
    c->n++;
    c->k += hit;
}

static uint64_t fnv(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

static bool analysed(const lscan_result *r)
{
    return r && lscan_result_status(r) == LSCAN_OK;
}

static bool loaded_class(int cls)
{
    return cls != LSCAN_CLASS_EMPTY && cls != LSCAN_CLASS_LOAD_IN_EMPTY;
}

struct figures {
    uint32_t groups;
    struct count empty_released, lie_flagged, empty_as_loaded, empty_as_loaded_lbe;
    struct count loads_lbe, top1, top3, top1_clean, top3_clean;
    struct count false_mismatch, false_mismatch_hs, other_caught, other_inspect;
    size_t hs_unknown, loads_not_analysed;
    struct count clean_released_undeclared, clean_released_declared;
    struct count inspect_flagged_undeclared, inspect_flagged_declared;
    struct count cons_consistent, cons_other, cons_mass, cons_mass_inspect;
    size_t *confusion; /* groups x (groups + 1): the last column "empty / not recognised" */
};

/* What a declaration would give a screened scan. */
static void check(const lscan_model *m, const lscan_result *r, const char *declared,
                  uint32_t *consistency, uint32_t *inspect)
{
    lscan_declaration d;
    lscan_declaration_init(&d);
    d.declared = declared;
    *consistency = LSCAN_CONSISTENCY_NONE;
    *inspect = 1;
    if (lscan_result_check_declaration(NULL, m, r, &d, consistency, NULL, inspect) != LSCAN_OK)
        *inspect = 1;
}

static int group_index(const lscan_model *m, const char *name)
{
    if (!name) return -1;
    for (uint32_t g = 0; g < lscan_model_group_count(m); g++)
        if (strcmp(lscan_model_group_name(m, g), name) == 0) return (int)g;
    return -1;
}

struct order {
    const struct sample *s;
    size_t i;
};

static int by_world_commodity(const void *a, const void *b)
{
    const struct order *x = a, *y = b;
    int c = strcmp(x->s->world ? x->s->world : "", y->s->world ? y->s->world : "");
    if (!c) c = strcmp(x->s->commodity, y->s->commodity);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Whether member `who` of the compared array is flagged a consignment outlier. */
static bool outlier(lscan_result *r)
{
    return (lscan_result_checks(r) & LSCAN_CHECK_CONSIGNMENT_OUTLIER) != 0;
}

static void consignments(const lscan_model *m, const struct dataset *ds, lscan_result **res,
                         const int *g, uint32_t size, struct figures *f)
{
    const size_t n = ds->n;
    struct order *o = malloc((n ? n : 1) * sizeof *o);
    lscan_result **cr = malloc(size * sizeof *cr);
    if (!o || !cr) {
        free(o);
        free(cr);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (res[i] && g[i] >= 0 && !LSCAN_CLASS_IS_INSPECT(ds->s[i].cls))
            o[k++] = (struct order){&ds->s[i], i};
    qsort(o, k, sizeof *o, by_world_commodity);
    for (size_t a = 0; a + size <= k;) {
        /* size scans of one world and commodity, in file order. */
        size_t b = a + 1;
        while (b < k &&
               by_world_commodity(&(struct order){o[a].s, 0}, &(struct order){o[b].s, 0}) == 0 &&
               b - a < size)
            b++;
        if (b - a < size) {
            a = b;
            continue;
        }
        for (uint32_t j = 0; j < size; j++)
            cr[j] = res[o[a + j].i];
        bool any = false;
        if (lscan_consignment_compare(NULL, m, cr, NULL, size) == LSCAN_OK)
            for (uint32_t j = 0; j < size; j++)
                any |= outlier(cr[j]);
        add(&f->cons_consistent, any);
        const struct sample *s0 = o[a].s;
        const size_t last = o[a + size - 1].i;
        for (int kind = 0; kind < 2; kind++) {
            /* The last member swapped for the next scan (file order, same world when there is
             * one) of another group, or for an anomalous mass in a load of this commodity. */
            size_t with = SIZE_MAX;
            for (int pass = 0; pass < 2 && with == SIZE_MAX; pass++)
                for (size_t q = 1; q < n && with == SIZE_MAX; q++) {
                    size_t i = (last + q) % n;
                    const struct sample *s = &ds->s[i];
                    if (!res[i] || g[i] < 0) continue;
                    bool same_world = !s0->world || (s->world && !strcmp(s->world, s0->world));
                    if (pass == 0 && !same_world) continue;
                    if (kind == 0 && !LSCAN_CLASS_IS_INSPECT(s->cls) && g[i] != g[o[a].i]) with = i;
                    if (kind == 1 && s->cls == LSCAN_CLASS_ANOMALOUS_MASS &&
                        !strcmp(s->commodity, s0->commodity))
                        with = i;
                }
            if (with == SIZE_MAX) continue;
            cr[size - 1] = res[with];
            if (lscan_consignment_compare(NULL, m, cr, NULL, size) != LSCAN_OK) continue;
            add(kind == 0 ? &f->cons_other : &f->cons_mass, outlier(cr[size - 1]));
            if (kind == 1)
                add(&f->cons_mass_inspect, lscan_result_decision(cr[size - 1]) == LSCAN_INSPECT);
        }
        a += size;
    }
    free(o);
    free(cr);
}

static void print_count(const char *what, struct count c)
{
    if (c.n) printf("  %-58s %.4f (%zu of %zu)\n", what, rate(c), c.k, c.n);
}

static void json_count(const char *key, struct count c, bool *first)
{
    printf("%s\"%s\":{\"n\":%zu,\"k\":%zu,\"rate\":", *first ? "" : ",", key, c.n, c.k);
    if (c.n)
        printf("%.6f}", rate(c));
    else
        printf("null}");
    *first = false;
}

void eval_declarations(const lscan_model *m, const struct dataset *ds, lscan_result **res,
                       const struct groups *groups, uint32_t consignment_size, bool json)
{
    const size_t n = ds->n;
    struct figures f = {.groups = lscan_model_group_count(m)};
    const uint32_t K = f.groups;
    int *g = malloc((n ? n : 1) * sizeof *g);
    f.confusion = calloc((size_t)K * (K + 1) + 1, sizeof *f.confusion);
    if (!g || !f.confusion) {
        cli_error("eval: out of memory for the declaration figures");
        free(g);
        free(f.confusion);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct sample *s = &ds->s[i];
        g[i] = -1;
        if (!s->commodity || !loaded_class(s->cls)) continue;
        g[i] = group_index(m, groups ? group_of(groups, s->commodity) : s->commodity);
    }
    for (size_t i = 0; i < n; i++) {
        const struct sample *s = &ds->s[i];
        const lscan_result *r = res[i];
        uint32_t c, insp;
        if (s->cls == LSCAN_CLASS_EMPTY) {
            check(m, r, "empty", &c, &insp);
            add(&f.empty_released, !insp);
            /* Declared loaded: any group will do (the check reads emptiness only). */
            check(m, r, K ? lscan_model_group_name(m, (uint32_t)(fnv(s->path) % K)) : "goods", &c,
                  &insp);
            add(&f.empty_as_loaded, insp);
            add(&f.empty_as_loaded_lbe, c == LSCAN_CONSISTENCY_LOADED_BUT_EMPTY);
        } else if (s->cls == LSCAN_CLASS_LOAD_IN_EMPTY) {
            check(m, r, "empty", &c, &insp);
            add(&f.lie_flagged, insp);
        }
        if (g[i] < 0) continue;
        const char *truth = lscan_model_group_name(m, (uint32_t)g[i]);
        /* Recognition. */
        bool t1 = false, t3 = false;
        uint32_t na = lscan_result_alternative_count(r);
        int col = (int)K;
        for (uint32_t a = 0; a < na && a < 3; a++) {
            const char *name;
            lscan_result_alternative(r, a, &name, NULL);
            bool hit = !strcmp(name, truth);
            t1 |= a == 0 && hit;
            t3 |= hit;
            if (a == 0 && group_index(m, name) >= 0) col = group_index(m, name);
        }
        add(&f.top1, t1);
        add(&f.top3, t3);
        if (!LSCAN_CLASS_IS_INSPECT(s->cls)) {
            add(&f.top1_clean, t1);
            add(&f.top3_clean, t3);
        }
        f.confusion[(size_t)g[i] * (K + 1) + (size_t)col]++;
        if (!analysed(r)) {
            f.loads_not_analysed++;
            continue;
        }
        /* The truth declared, by group and by HS chapter; another group declared. */
        check(m, r, truth, &c, &insp);
        add(&f.false_mismatch, c == LSCAN_CONSISTENCY_MISMATCH);
        add(&f.loads_lbe, c == LSCAN_CONSISTENCY_LOADED_BUT_EMPTY);
        if (LSCAN_CLASS_IS_INSPECT(s->cls)) {
            add(&f.inspect_flagged_declared, insp);
            add(&f.inspect_flagged_undeclared, lscan_result_decision(r) == LSCAN_INSPECT);
        } else {
            add(&f.clean_released_declared, !insp);
            add(&f.clean_released_undeclared, lscan_result_decision(r) == LSCAN_RELEASE);
        }
        if (s->hs_chapter && s->hs_chapter[0]) {
            check(m, r, s->hs_chapter, &c, &insp);
            if (c == LSCAN_CONSISTENCY_UNKNOWN)
                f.hs_unknown++;
            else
                add(&f.false_mismatch_hs, c == LSCAN_CONSISTENCY_MISMATCH);
        }
        if (K >= 2) {
            uint32_t other = ((uint32_t)g[i] + 1 + (uint32_t)(fnv(s->path) % (K - 1))) % K;
            check(m, r, lscan_model_group_name(m, other), &c, &insp);
            add(&f.other_caught, c == LSCAN_CONSISTENCY_MISMATCH);
            add(&f.other_inspect, insp);
        }
    }
    if (consignment_size >= 2) consignments(m, ds, res, g, consignment_size, &f);

    if (json) {
        bool first = true;
        printf(",\"declarations\":{\"groups\":%u,", K);
        json_count("empty_declared_empty_released", f.empty_released, &first);
        json_count("load_in_empty_declared_empty_flagged", f.lie_flagged, &first);
        json_count("empty_declared_loaded_flagged", f.empty_as_loaded, &first);
        json_count("empty_declared_loaded_as_loaded_but_empty", f.empty_as_loaded_lbe, &first);
        json_count("loads_declared_truly_loaded_but_empty", f.loads_lbe, &first);
        json_count("top1", f.top1, &first);
        json_count("top3", f.top3, &first);
        json_count("top1_clean", f.top1_clean, &first);
        json_count("top3_clean", f.top3_clean, &first);
        json_count("false_mismatch", f.false_mismatch, &first);
        json_count("false_mismatch_hs", f.false_mismatch_hs, &first);
        json_count("other_group_caught", f.other_caught, &first);
        json_count("other_group_inspect", f.other_inspect, &first);
        json_count("clean_released_undeclared", f.clean_released_undeclared, &first);
        json_count("clean_released_declared", f.clean_released_declared, &first);
        json_count("inspect_flagged_undeclared", f.inspect_flagged_undeclared, &first);
        json_count("inspect_flagged_declared", f.inspect_flagged_declared, &first);
        json_count("consignments_consistent_flagged", f.cons_consistent, &first);
        json_count("consignments_other_commodity_caught", f.cons_other, &first);
        json_count("consignments_anomalous_mass_caught", f.cons_mass, &first);
        json_count("consignments_anomalous_mass_inspect", f.cons_mass_inspect, &first);
        printf(",\"hs_unknown\":%zu,\"loads_not_analysed\":%zu,\"consignment_size\":%u,"
               "\"confusion\":{\"groups\":[",
               f.hs_unknown, f.loads_not_analysed, consignment_size);
        for (uint32_t a = 0; a < K; a++)
            printf("%s\"%s\"", a ? "," : "", lscan_model_group_name(m, a));
        printf("],\"matrix\":[");
        for (uint32_t a = 0; a < K; a++) {
            printf("%s[", a ? "," : "");
            for (uint32_t b = 0; b <= K; b++)
                printf("%s%zu", b ? "," : "", f.confusion[(size_t)a * (K + 1) + b]);
            printf("]");
        }
        printf("]}}");
    } else {
        printf("declarations (%u commodity groups; declarations drawn from the labels):\n", K);
        print_count("empty containers declared empty: released", f.empty_released);
        print_count("loads in empty containers declared empty: INSPECT", f.lie_flagged);
        print_count("empty containers declared loaded: INSPECT", f.empty_as_loaded);
        print_count("  of them declared_loaded_but_empty", f.empty_as_loaded_lbe);
        print_count("loads declared truly: declared_loaded_but_empty", f.loads_lbe);
        print_count("commodity group recognised, top-1", f.top1);
        print_count("commodity group recognised, top-3", f.top3);
        print_count("  clean loads only, top-1", f.top1_clean);
        print_count("  clean loads only, top-3", f.top3_clean);
        if (f.loads_not_analysed)
            printf("  (%zu loads not analysed count as not recognised)\n", f.loads_not_analysed);
        print_count("true declarations (group): declared_mismatch", f.false_mismatch);
        print_count("true declarations (HS chapter): declared_mismatch", f.false_mismatch_hs);
        if (f.hs_unknown) printf("  (%zu HS chapters unknown to the model)\n", f.hs_unknown);
        print_count("declarations of another group: declared_mismatch", f.other_caught);
        print_count("declarations of another group: INSPECT", f.other_inspect);
        print_count("clean loads released, no declaration", f.clean_released_undeclared);
        print_count("clean loads released, declared truly", f.clean_released_declared);
        print_count("INSPECT loads flagged, no declaration", f.inspect_flagged_undeclared);
        print_count("INSPECT loads flagged, declared truly", f.inspect_flagged_declared);
        printf("consignments of %u (one commodity and world):\n", consignment_size);
        print_count("consistent consignments flagged", f.cons_consistent);
        print_count("another commodity swapped in: consignment_outlier", f.cons_other);
        print_count("an anomalous mass swapped in: consignment_outlier", f.cons_mass);
        print_count("an anomalous mass swapped in: INSPECT", f.cons_mass_inspect);
        if (K) {
            printf("confusion (rows: true group; columns: recognised, '-' empty or none):\n%22s",
                   "");
            for (uint32_t b = 0; b < K; b++)
                printf(" %4u", b);
            printf("    -\n");
            for (uint32_t a = 0; a < K; a++) {
                printf("  %2u %-17.17s", a, lscan_model_group_name(m, a));
                for (uint32_t b = 0; b <= K; b++)
                    printf(" %4zu", f.confusion[(size_t)a * (K + 1) + b]);
                printf("\n");
            }
        }
    }
    free(g);
    free(f.confusion);
}
