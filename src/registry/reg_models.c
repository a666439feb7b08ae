#include "registry/reg_internal.h"
const reg_endpoint reg_model_endpoints[] = {{NULL, "", NULL, false, {{0}}}};
const size_t reg_model_nendpoints = 0;
