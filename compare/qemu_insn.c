/* A qemu TCG plugin that counts the guest instructions one thread executes between two markers
 * (user mode). The guest marks a window with lseek(-1, MARK_START or MARK_STOP, SEEK_SET): a call
 * that fails with EBADF and changes nothing. Instructions are counted per vCPU (guest thread), so
 * other threads and the process's start-up and exit are left out; each window prints one line.
 * Built by leakyolo.compare.arm against the qemu-plugin.h of the installed qemu version. */
#include <inttypes.h>
#include <stdio.h>
#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_VCPUS 1024
#define SYS_LSEEK 62 /* aarch64 */
#define MARK_START 0x4c45414b00ULL
#define MARK_STOP 0x4c45414b01ULL

static uint64_t insns[MAX_VCPUS], start[MAX_VCPUS];

static void tb_exec(unsigned int vcpu, void *n)
{
    if (vcpu < MAX_VCPUS) {
        insns[vcpu] += (uintptr_t)n;
    }
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec, QEMU_PLUGIN_CB_NO_REGS,
                                         (void *)(uintptr_t)qemu_plugin_tb_n_insns(tb));
}

static void on_syscall(qemu_plugin_id_t id, unsigned int vcpu, int64_t num, uint64_t a1, uint64_t a2,
                       uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6, uint64_t a7, uint64_t a8)
{
    char line[64];
    if (num != SYS_LSEEK || a1 != UINT64_MAX || vcpu >= MAX_VCPUS) {
        return;
    }
    if (a2 == MARK_START) {
        start[vcpu] = insns[vcpu];
    } else if (a2 == MARK_STOP) {
        snprintf(line, sizeof line, "LEAKYOLO_INSNS %" PRIu64 "\n", insns[vcpu] - start[vcpu]);
        qemu_plugin_outs(line);
    }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_vcpu_syscall_cb(id, on_syscall);
    return 0;
}
