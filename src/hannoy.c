/*-------------------------------------------------------------------------
 *
 * hannoy.c
 *	  Module entry: the library's settings and the choice of distance
 *	  kernels.  The behaviour lives in the topic files named in src/README.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "distance.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static int	hannoy_kernels_setting = HANNOY_KERNELS_AUTO;

static const struct config_enum_entry kernel_options[] = {
	{"auto", HANNOY_KERNELS_AUTO, false},
	{"avx512", HANNOY_KERNELS_AVX512, false},
	{"avx2", HANNOY_KERNELS_AVX2, false},
	{"portable", HANNOY_KERNELS_PORTABLE, false},
	{NULL, 0, false}
};

static bool
check_kernels(int *newval, void **extra, GucSource source)
{
	if (HannoyKernelsFor((HannoyKernelChoice) *newval) == NULL)
	{
		GUC_check_errdetail("This CPU or this build of hannoy cannot run the \"%s\" kernels.",
							kernel_options[*newval].name);
		return false;
	}
	return true;
}

static void
assign_kernels(int newval, void *extra)
{
	HannoyKernel = HannoyKernelsFor((HannoyKernelChoice) newval);
}

static const char *
show_kernels(void)
{
	return HannoyKernel->name;
}

void
_PG_init(void)
{
	HannoyKernel = HannoyKernelsFor(HANNOY_KERNELS_AUTO);

	DefineCustomEnumVariable("hannoy.kernels",
							 "Distance kernels to use; \"auto\" picks the best the CPU supports.",
							 "SHOW displays the kernel set in use.",
							 &hannoy_kernels_setting,
							 HANNOY_KERNELS_AUTO,
							 kernel_options,
							 PGC_SUSET,
							 0,
							 check_kernels, assign_kernels, show_kernels);

	MarkGUCPrefixReserved("hannoy");
}
