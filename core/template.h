/* template.h - the subset of Go templates that `--format` takes in Docker
 *
 * Supported: literal text; {{.}} and field paths {{.Config.Env}};
 * {{json .X}} (compact JSON); {{index .X "key"}} and {{index .X 0}};
 * {{range .X}}...{{end}} over arrays and objects (values, sorted by key for
 * objects, as Go ranges over maps), which rebinds "."; {{if .X}}...
 * [{{else}}...]{{end}} (false, 0, "", null, empty and absent are false);
 * {{join .X "sep"}}; {{lower .X}}, {{upper .X}}; {{println}}. Values print
 * as Go's fmt does: strings bare, arrays as [a b], objects as map[k:v]
 * with sorted keys, absent fields as <no value>, null as <nil>.
 */
#ifndef ROCKER_TEMPLATE_H
#define ROCKER_TEMPLATE_H

#include "err.h"

struct json_value;

/*
 * Render `tmpl` against `data` (borrowed). On success *out receives a
 * NUL-terminated heap string the caller frees. Returns 0, or -1 with `e`
 * describing the template error (unknown function, unclosed action,
 * unbalanced range/if/end, output over 16 MiB).
 */
int template_render(const char *tmpl, const struct json_value *data,
    char **out, struct err *e);

#endif
