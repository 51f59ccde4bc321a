/* Host key and authorized_keys. */
#include "proxy/transport/ssh_keys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proxy/cause.h"
#include "proxy/log.h"

#define HOST_KEY_NAME "ssh_host_ed25519_key"

/* mkdir -p for the state folder, private to us. */
static int make_dirs(const char *dir, char **cause)
{
	char *copy = strdup(dir);
	int rc = 0;

	if (copy == NULL)
		return cause_fail(cause, "out of memory");
	for (char *p = copy + 1; rc == 0 && *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) != 0 && errno != EEXIST)
			rc = -1;
		*p = '/';
	}
	if (rc == 0 && mkdir(copy, 0700) != 0 && errno != EEXIST)
		rc = -1;
	free(copy);
	if (rc != 0)
		return cause_fail(cause, "state_dir %s: %s", dir, strerror(errno));
	return 0;
}

/* Make a new ed25519 key at path, readable by us only. */
static int generate(const char *path, char **cause)
{
	ssh_key key = NULL;
	mode_t old = umask(077);
	int rc = ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key);

	if (rc == SSH_OK)
		rc = ssh_pki_export_privkey_file(key, NULL, NULL, NULL, path);
	umask(old);
	ssh_key_free(key);
	if (rc != SSH_OK)
		return cause_fail(cause, "cannot write the SSH host key %s", path);
	log_info("made a new SSH host key %s", path);
	return 0;
}

char *ssh_host_key_path(const char *state_dir, char **cause)
{
	char *path;
	ssh_key key = NULL;

	if (make_dirs(state_dir, cause) != 0)
		return NULL;
	if (asprintf(&path, "%s/%s", state_dir, HOST_KEY_NAME) < 0) {
		cause_fail(cause, "out of memory");
		return NULL;
	}
	if (access(path, F_OK) != 0 && generate(path, cause) != 0) {
		free(path);
		return NULL;
	}
	/* A key we cannot read fails now, with its path, not at the first login. */
	if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key) != SSH_OK) {
		cause_fail(cause, "cannot read the SSH host key %s", path);
		free(path);
		return NULL;
	}
	ssh_key_free(key);
	return path;
}

/* Whether the key line "TYPE BASE64 [comment]" holds key. */
static bool line_has_key(const char *path, unsigned lineno, char *line, ssh_key key)
{
	char *save = NULL, *type = strtok_r(line, " \t", &save);
	char *b64 = strtok_r(NULL, " \t", &save);
	enum ssh_keytypes_e kt = type != NULL ? ssh_key_type_from_name(type) : SSH_KEYTYPE_UNKNOWN;
	ssh_key listed = NULL;
	bool same;

	if (kt == SSH_KEYTYPE_UNKNOWN || b64 == NULL) {
		log_warn("%s:%u: skipped: not \"KEYTYPE BASE64\" (options are not supported)", path,
			 lineno);
		return false;
	}
	if (ssh_pki_import_pubkey_base64(b64, kt, &listed) != SSH_OK) {
		log_warn("%s:%u: skipped: the key does not decode", path, lineno);
		return false;
	}
	same = ssh_key_cmp(listed, key, SSH_KEY_CMP_PUBLIC) == 0;
	ssh_key_free(listed);
	return same;
}

bool ssh_key_authorized(const char *path, ssh_key key)
{
	FILE *f = fopen(path, "re");
	char *line = NULL, *p;
	size_t cap = 0;
	unsigned lineno = 0;
	bool found = false;

	if (f == NULL) {
		log_warn("cannot read %s: %s", path, strerror(errno));
		return false;
	}
	while (!found && getline(&line, &cap, f) > 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p != '\0' && *p != '#')
			found = line_has_key(path, lineno, p, key);
	}
	free(line);
	fclose(f);
	return found;
}
