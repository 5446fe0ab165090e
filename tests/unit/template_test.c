/* template_test.c - Docker-style --format templates */

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"
#include "template.h"

static const char doc[] =
	"{\"Id\":\"sha256:abc\",\"RepoTags\":[\"busybox:latest\",\"b:1\"],"
	"\"Config\":{\"Env\":[\"PATH=/bin\",\"A=1\"],\"Cmd\":null,"
	"\"Labels\":{\"z\":\"last\",\"a\":\"first\"},\"Tty\":false},"
	"\"Size\":1234,\"State\":{\"Running\":true,\"Pid\":42},"
	"\"Name\":\"Web\",\"Empty\":[]}";

static struct json_value *root;

static int
render(const char *tmpl, const char *want)
{
	struct err e = ERR_INIT;
	char *out = NULL;
	int ok;

	if (template_render(tmpl, root, &out, &e) < 0) {
		printf("  error: %s\n", e.msg);
		return want == NULL;
	}
	ok = want && strcmp(out, want) == 0;
	if (!ok)
		printf("  got: [%s]\n", out);
	free(out);
	return ok;
}

int
main(void)
{
	struct err e = ERR_INIT;

	root = json_parse(doc, strlen(doc), NULL, &e);
	CHECK(root != NULL, "fixture parses");
	CHECK(render("plain text", "plain text"), "literal text");
	CHECK(render("{{.Id}}", "sha256:abc"), "string field");
	CHECK(render("{{.Config.Env}}", "[PATH=/bin A=1]"),
	    "array prints like Go");
	CHECK(render("{{.Config.Labels}}", "map[a:first z:last]"),
	    "object prints as a sorted map");
	CHECK(render("{{.Size}} {{.State.Running}} {{.Config.Tty}}",
	    "1234 true false"), "numbers and booleans");
	CHECK(render("{{.Config.Cmd}}", "<nil>"), "null is <nil>");
	CHECK(render("{{.Nope}}", "<no value>"), "absent is <no value>");
	CHECK(render("{{.Id.Deeper}}", "<no value>"),
	    "path through a non-object is <no value>");
	CHECK(render("{{json .Config.Env}}", "[\"PATH=/bin\",\"A=1\"]"),
	    "json function");
	CHECK(render("{{json .State}}", "{\"Running\":true,\"Pid\":42}"),
	    "json of an object keeps order");
	CHECK(render("{{index .RepoTags 1}}", "b:1"), "index into array");
	CHECK(render("{{index .Config.Labels \"z\"}}", "last"),
	    "index into object");
	CHECK(render("{{range .Config.Env}}<{{.}}>{{end}}",
	    "<PATH=/bin><A=1>"), "range over array rebinds dot");
	CHECK(render("{{range .Config.Labels}}{{.}},{{end}}", "first,last,"),
	    "range over object in key order");
	CHECK(render("{{range .Empty}}x{{end}}done", "done"), "empty range");
	CHECK(render("{{if .State.Running}}up{{else}}down{{end}}", "up"),
	    "if true");
	CHECK(render("{{if .Config.Tty}}tty{{else}}no tty{{end}}", "no tty"),
	    "if false with else");
	CHECK(render("{{if .Empty}}x{{end}}{{if .Nope}}y{{end}}.", "."),
	    "empty and absent are false");
	CHECK(render("{{join .RepoTags \", \"}}", "busybox:latest, b:1"),
	    "join");
	CHECK(render("{{lower .Name}}{{upper .Name}}", "webWEB"),
	    "lower and upper");
	CHECK(render("{{println .Id}}", "sha256:abc\n"), "println");
	CHECK(render("{{.State}}", "map[Pid:42 Running:true]"),
	    "a nested object");
	CHECK(render("{{.Id", NULL), "unclosed action is an error");
	CHECK(render("{{range .RepoTags}}x", NULL), "range without end");
	CHECK(render("{{end}}", NULL), "stray end");
	CHECK(render("{{bogus .Id}}", NULL), "unknown function");
	CHECK(render("{{}}", NULL), "empty action");
	json_free(root);
	return check_done();
}
