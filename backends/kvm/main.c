/* gdbhub-kvm: one VM on /dev/kvm with its own GDB stub.
 *
 *   gdbhub-kvm --kernel ELF --gdb unix:PATH|HOST:PORT|fd:N [--memory-mb N] [--cpus N]
 *              [--serial PATH] [--console PATH] [--cmdline STR]
 *              [--arch i386|x86_64] [--reinject events|idt]
 *   gdbhub-kvm --probe
 *
 * The VM waits at the kernel's first instruction for gdb, as QEMU's -S,
 * or with --run starts at once; gdb attaching later stops it.
 * `--gdb fd:N` serves on a listening socket the parent made and passed
 * down (the daemon does this, so connecting cannot race the start-up).
 * `--console PATH` is what the guest receives on COM1: a file, read to its
 * end, or a FIFO, read for as long as the VM lives. `--probe` prints what
 * this host's KVM does for guest debug (vmm/host.h) and exits. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/kvm/boot/multiboot.h"
#include "backends/kvm/stub/stub.h"
#include "backends/kvm/vmm/vm.h"
#include "proxy/transport/sockaddr.h"

struct options {
	const char *kernel, *gdb, *serial, *console, *cmdline, *arch, *reinject;
	unsigned memory_mb, cpus;
	bool run;  /* start running, not waiting for gdb */
	bool probe;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: gdbhub-kvm --kernel ELF --gdb unix:PATH|HOST:PORT|fd:N [--memory-mb N]\n"
		"                  [--cpus N] [--serial PATH] [--console PATH] [--cmdline STR]\n"
		"                  [--arch i386|x86_64] [--reinject events|idt] [--run]\n"
		"       gdbhub-kvm --probe\n");
	exit(2);
}

static unsigned number(const char *s, unsigned lo, unsigned hi, const char *what)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "gdbhub-kvm: %s must be a number from %u to %u, not \"%s\"\n",
			what, lo, hi, s);
		exit(2);
	}
	return (unsigned)v;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "kernel", required_argument, NULL, 'k' }, { "gdb", required_argument, NULL, 'g' },
		{ "memory-mb", required_argument, NULL, 'm' }, { "cpus", required_argument, NULL, 'c' },
		{ "serial", required_argument, NULL, 's' }, { "cmdline", required_argument, NULL, 'l' },
		{ "arch", required_argument, NULL, 'a' }, { "reinject", required_argument, NULL, 'r' },
		{ "console", required_argument, NULL, 'i' }, { "run", no_argument, NULL, 'R' },
		{ "probe", no_argument, NULL, 'P' }, { NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct options){ .memory_mb = 64, .cpus = 1 };
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': o->kernel = optarg; break;
		case 'g': o->gdb = optarg; break;
		case 'm': o->memory_mb = number(optarg, 2, 3072, "--memory-mb"); break;
		case 'c': o->cpus = number(optarg, 1, 64, "--cpus"); break;
		case 's': o->serial = optarg; break;
		case 'i': o->console = optarg; break;
		case 'l': o->cmdline = optarg; break;
		case 'a': o->arch = optarg; break;
		case 'r': o->reinject = optarg; break;
		case 'R': o->run = true; break;
		case 'P': o->probe = true; break;
		default: usage();
		}
	}
	if (optind != argc || (o->probe ? o->kernel || o->gdb : !o->kernel || !o->gdb))
		usage();
	if (o->arch && strcmp(o->arch, "i386") && strcmp(o->arch, "x86_64")) {
		fprintf(stderr, "gdbhub-kvm: --arch takes i386 or x86_64, not \"%s\"\n", o->arch);
		exit(2);
	}
}

static int fail(const char *what, char *cause)
{
	fprintf(stderr, "gdbhub-kvm: %s: %s\n", what, cause ? cause : "out of memory");
	free(cause);
	return 1;
}

static uint8_t *read_file(const char *path, size_t *len, char **cause)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	uint8_t *buf;

	if (fd < 0 || fstat(fd, &sb)) {
		asprintf(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(sb.st_size ? (size_t)sb.st_size : 1);
	*len = buf && read(fd, buf, (size_t)sb.st_size) == sb.st_size ? (size_t)sb.st_size : 0;
	close(fd);
	if (!*len) {
		asprintf(cause, "%s: could not read it", path);
		free(buf);
		return NULL;
	}
	return buf;
}

/* The gdb socket: unix:PATH (made 0600), HOST:PORT, or an inherited
 * listening socket fd:N. */
static int listen_gdb(const char *address, char **cause)
{
	struct sockaddr_storage sa;
	socklen_t len;
	int fd, one = 1;
	bool is_unix = !strncmp(address, "unix:", 5);

	if (!strncmp(address, "fd:", 3)) {
		int accepting = 0;
		socklen_t optlen = sizeof(accepting);

		fd = (int)number(address + 3, 3, 65535, "--gdb fd:N");
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &optlen) || !accepting) {
			asprintf(cause, "%s is not a listening socket", address);
			return -1;
		}
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		return fd;
	}
	if (is_unix ? sockaddr_unix(address + 5, &sa, &len) : sockaddr_parse(address, &sa, &len, cause)) {
		if (is_unix)
			asprintf(cause, "%s: path too long", address);
		return -1;
	}
	if (is_unix)
		unlink(address + 5);
	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	{
		mode_t old = umask(077);
		int rc = bind(fd, (struct sockaddr *)&sa, len);

		umask(old);
		if (fd < 0 || rc || listen(fd, 4)) {
			asprintf(cause, "%s: %s", address, strerror(errno));
			return -1;
		}
	}
	return fd;
}

static char *boot_cmdline(const struct options *o)
{
	char *s = NULL;

	/* SMP guests learn how many processors to start from cpus=N. */
	if (asprintf(&s, "%s%scpus=%u", o->cmdline ? o->cmdline : "", o->cmdline ? " " : "",
		     o->cpus) < 0)
		return NULL;
	return s;
}

static int boot(struct vm *vm, const struct options *o, char **cause)
{
	struct multiboot_boot mb;
	size_t len;
	uint8_t *image = read_file(o->kernel, &len, cause);
	char *cmdline = boot_cmdline(o);
	int rc;

	if (!image)
		return -1;
	rc = multiboot_load(&vm->mem, image, len, cmdline, &mb, cause);
	free(image);
	free(cmdline);
	if (rc == 0)
		rc = vm_setup_boot_cpu(vm, mb.entry, mb.info, cause);
	return rc;
}

static void choose_mechanisms(struct vm *vm, const struct options *o)
{
	if (o->reinject && !strcmp(o->reinject, "idt"))
		vm->host.inject_with_events = false;
	else if (o->reinject && !strcmp(o->reinject, "events"))
		vm->host.inject_with_events = true;
	else if (o->reinject) {
		fprintf(stderr, "gdbhub-kvm: --reinject takes events or idt\n");
		exit(2);
	}
}

/* COM1's input, non-blocking: a guest polling COM1 never waits on the host.
 * A FIFO is opened for writing too, so that it has a writer from the start:
 * read() then says "nothing yet" (EAGAIN) instead of end of file while no
 * one has opened it or between two writers. */
static int open_console(const char *path)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &sb) || !S_ISFIFO(sb.st_mode))
		return fd;
	close(fd);
	return open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
}

/* --probe: what the host's KVM does, on stdout; 1 if /dev/kvm cannot run. */
static int probe_only(void)
{
	struct host_caps caps;
	char *cause = NULL;
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return fail("/dev/kvm", strdup(strerror(errno)));
	if (host_probe(fd, &caps, &cause))
		return fail("probing the host's KVM", cause);
	printf("%s\n", caps.summary);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static struct vm vm;
	struct options o;
	char *cause = NULL;
	int serial_fd = -1, console_fd = -1, listen_fd;

	parse_options(argc, argv, &o);
	if (o.probe)
		return probe_only();
	if (o.serial) {
		serial_fd = open(o.serial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (serial_fd < 0)
			return fail(o.serial, strdup(strerror(errno)));
	}
	if (o.console && (console_fd = open_console(o.console)) < 0)
		return fail(o.console, strdup(strerror(errno)));
	if (vm_create(&vm, o.memory_mb, o.cpus, &cause))
		return fail("creating the VM", cause);
	if (host_probe(vm.kvm_fd, &vm.host, &cause))
		return fail("probing the host's KVM", cause);
	choose_mechanisms(&vm, &o);
	fprintf(stderr, "gdbhub-kvm: %s\n", vm.host.summary);
	devices_init(&vm.dev, serial_fd, console_fd);
	if (boot(&vm, &o, &cause))
		return fail(o.kernel, cause);
	listen_fd = listen_gdb(o.gdb, &cause);
	if (listen_fd < 0 || vm_start_threads(&vm, &cause))
		return fail("gdb socket", cause);
	fprintf(stderr, "gdbhub-kvm: %u vCPU(s), %u MiB; waiting for gdb on %s\n", o.cpus,
		o.memory_mb, o.gdb);
	return stub_serve(&vm, listen_fd, &(struct stub_options){ o.run, o.arch });
}
