/* classes.c — names of the scan classes (DESIGN.md's table). */
#include "internal.h"

#include <string.h>

static const struct {
    int cls;
    const char *name;
} class_names[] = {
    {LSCAN_CLASS_EMPTY, "empty"},
    {LSCAN_CLASS_HOMOGENEOUS, "homogeneous"},
    {LSCAN_CLASS_BULK, "bulk"},
    {LSCAN_CLASS_MIXED, "mixed"},
    {LSCAN_CLASS_MACHINERY, "machinery"},
    {LSCAN_CLASS_DENSE_OBJECT, "dense_object"},
    {LSCAN_CLASS_IMPENETRABLE, "impenetrable"},
    {LSCAN_CLASS_HIDDEN_COMPARTMENT, "hidden_compartment"},
    {LSCAN_CLASS_ANOMALOUS_MASS, "anomalous_mass"},
    {LSCAN_CLASS_LOAD_IN_EMPTY, "load_in_empty"},
};

LSCAN_API const char *lscan_class_name(int cls)
{
    for (size_t i = 0; i < sizeof class_names / sizeof class_names[0]; i++)
        if (class_names[i].cls == cls) return class_names[i].name;
    return NULL;
}

LSCAN_API int lscan_class_parse(const char *name, int *cls)
{
    if (!name || !cls) return LSCAN_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < sizeof class_names / sizeof class_names[0]; i++) {
        if (strcmp(class_names[i].name, name) == 0) {
            *cls = class_names[i].cls;
            return LSCAN_OK;
        }
    }
    return LSCAN_ERR_INVALID_ARGUMENT;
}
