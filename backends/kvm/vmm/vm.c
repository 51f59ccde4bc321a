/* Creating the VM and its vCPUs, and putting the boot vCPU at the
 * multiboot entry (see vm.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backends/kvm/vmm/flat32.h"
#include "backends/kvm/vmm/vm.h"
#include "proxy/cause.h"

/* Addresses KVM on Intel needs for real-mode emulation, just below the
 * BIOS area at the top of 4 GiB where nothing of ours lives. */
#define KVM_TSS_ADDR 0xfffbd000
#define KVM_IDENTITY_MAP_ADDR 0xfffbc000

/* Where the VMM puts the boot vCPU's GDT: the multiboot spec lets GDTR be
 * anything, but exception delivery in userspace (PVM) and KVM_SET_SREGS
 * want a real one in guest memory. */
#define BOOT_GDT_ADDR 0x500

static int kvm_open(struct vm *vm, char **cause)
{
	int version;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return cause_fail(cause, "/dev/kvm: %s", strerror(errno));
	version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION)
		return cause_fail(cause, "/dev/kvm speaks API version %d, not %d",
				  version, KVM_API_VERSION);
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return cause_fail(cause, "KVM_CREATE_VM: %s", strerror(errno));
	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size <= 0)
		return cause_fail(cause, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	return 0;
}

static int add_memory(struct vm *vm, unsigned memory_mb, char **cause)
{
	void *host;

	vm->mem.size = (uint64_t)memory_mb << 20;
	host = mmap(NULL, vm->mem.size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (host == MAP_FAILED)
		return cause_fail(cause, "%u MiB of guest memory: %s", memory_mb, strerror(errno));
	vm->mem.host = host;
	return vm_map_memory(vm, NULL, cause);
}

/* PIC, IOAPIC and LAPICs in the kernel, and the PIT feeding them, so the
 * guest takes timer interrupts and APs wait for INIT/SIPI as on hardware. */
static int add_irqchip(struct vm *vm, char **cause)
{
	struct kvm_pit_config pit = { .flags = 0 };

	/* Intel-only needs; harmless (or absent) elsewhere. */
	ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR);
	{
		uint64_t ident = KVM_IDENTITY_MAP_ADDR;

		ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident);
	}
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) != 0)
		return cause_fail(cause, "KVM_CREATE_IRQCHIP: %s", strerror(errno));
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) != 0)
		return cause_fail(cause, "KVM_CREATE_PIT2: %s", strerror(errno));
	return 0;
}

/* The CPUID KVM supports, with each vCPU's APIC id in leaves 1 and 0xB so
 * an SMP guest can tell its processors apart. */
static int set_cpuid(struct vm *vm, struct vcpu *v, char **cause)
{
	const unsigned max = 256;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + max * sizeof(c->entries[0]));
	int rc = 0;

	if (!c)
		return cause_fail(cause, "out of memory");
	c->nent = max;
	if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) != 0) {
		rc = cause_fail(cause, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		goto out;
	}
	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffff) | (v->index << 24);
		if (e->function == 0xb)
			e->edx = v->index;
	}
	if (ioctl(v->fd, KVM_SET_CPUID2, c) != 0)
		rc = cause_fail(cause, "KVM_SET_CPUID2: %s", strerror(errno));
out:
	free(c);
	return rc;
}

static int add_vcpu(struct vm *vm, struct vcpu *v, unsigned index, char **cause)
{
	v->vm = vm;
	v->index = index;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (v->fd < 0)
		return cause_fail(cause, "KVM_CREATE_VCPU %u: %s", index, strerror(errno));
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED)
		return cause_fail(cause, "mmap of vCPU %u: %s", index, strerror(errno));
	return set_cpuid(vm, v, cause);
}

int vm_create(struct vm *vm, unsigned memory_mb, unsigned n_vcpus, char **cause)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->event_fd = -1;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_mutex_init(&vm->sw_lock, NULL);
	pthread_cond_init(&vm->parked, NULL);
	if (kvm_open(vm, cause) || add_memory(vm, memory_mb, cause) ||
	    add_irqchip(vm, cause))
		return -1;
	vm->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->event_fd < 0)
		return cause_fail(cause, "eventfd: %s", strerror(errno));
	vm->vcpus = calloc(n_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return cause_fail(cause, "out of memory");
	vm->n_vcpus = n_vcpus;
	for (unsigned i = 0; i < n_vcpus; i++)
		if (add_vcpu(vm, &vm->vcpus[i], i, cause))
			return -1;
	return 0;
}

int vm_setup_boot_cpu(struct vm *vm, uint32_t entry, uint32_t info, char **cause)
{
	struct vcpu *v = &vm->vcpus[0];
	struct kvm_sregs s;
	struct kvm_regs r = { 0 };

	if (ioctl(v->fd, KVM_GET_SREGS, &s) != 0)
		return cause_fail(cause, "KVM_GET_SREGS: %s", strerror(errno));
	flat32_write_gdt(guest_mem_ptr(&vm->mem, BOOT_GDT_ADDR, FLAT32_GDT_SIZE));
	flat32_sregs(&s, BOOT_GDT_ADDR);
	if (ioctl(v->fd, KVM_SET_SREGS, &s) != 0)
		return cause_fail(cause, "KVM_SET_SREGS: %s", strerror(errno));
	r.rip = entry;
	r.rax = 0x2BADB002u;
	r.rbx = info;
	r.rflags = 0x2;
	if (ioctl(v->fd, KVM_SET_REGS, &r) != 0)
		return cause_fail(cause, "KVM_SET_REGS: %s", strerror(errno));
	return 0;
}
