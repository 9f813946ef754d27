/* Must be reported as failed by the runner (registered WILL_FAIL). */
#include "qemu_rt.h"

void kk_qemu_main(unsigned long hartid, const void *dtb)
{
    (void)hartid;
    (void)dtb;
    KK_QEMU_CHECK(1 + 1 == 3);
    kk_qemu_pass();
}
