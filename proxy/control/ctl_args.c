/* From a command line to one control request. */
#include "proxy/control/ctl_args.h"
#include "proxy/cause.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/control/request.h"

/* A value as JSON if the whole text is JSON, else as a string. */
static json_object *value_of(const char *text)
{
	json_tokener *tok = json_tokener_new();
	json_object *v = NULL;

	if (tok == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	v = json_tokener_parse_ex(tok, text, (int)strlen(text) + 1);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) < strlen(text)) {
		json_object_put(v);
		v = json_object_new_string(text);
	}
	json_tokener_free(tok);
	return v;
}

/* Add one argument to the request. */
static int add_arg(json_object *req, const struct ctl_command *c, const char *arg, char **cause)
{
	const char *eq = strchr(arg, '=');
	char key[64];

	/* A JSON object may hold '=' in its strings: it is never KEY=VALUE. */
	if (eq != NULL && arg[0] != '{' && arg[0] != '"' && (size_t)(eq - arg) < sizeof(key) &&
	    eq != arg) {
		memcpy(key, arg, (size_t)(eq - arg));
		key[eq - arg] = '\0';
		return json_object_object_add(req, key, value_of(eq + 1));
	}
	if (c->arg == NULL)
		return cause_fail(cause, "%s takes no argument (got \"%.64s\")", c->name, arg);
	if (c->type == CTL_ARG_NAME)
		return json_object_object_add(req, c->arg, json_object_new_string(arg));
	return json_object_object_add(req, c->arg, value_of(arg));
}

/* Build and check the request for cmd and its arguments. */
json_object *ctl_args_build(const char *cmd, char *const *args, int n, char **cause)
{
	const struct ctl_command *c = ctl_command_find(cmd);
	struct ctl_request req;
	json_object *obj;

	*cause = NULL;
	if (c == NULL) {
		cause_fail(cause, "unknown command \"%.64s\"", cmd);
		return NULL;
	}
	if ((obj = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(obj, "cmd", json_object_new_string(cmd));
	for (int i = 0; i < n; i++) {
		if (add_arg(obj, c, args[i], cause) != 0) {
			json_object_put(obj);
			return NULL;
		}
	}
	if (ctl_request_check(obj, &req, cause) != 0) {
		json_object_put(obj);
		return NULL;
	}
	ctl_request_finish(&req);
	return obj;
}
