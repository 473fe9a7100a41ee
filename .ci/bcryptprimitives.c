/* A stand-in for Windows' bcryptprimitives.dll, which Debian's Wine 8
   lacks and Go's Windows runtime loads at start for ProcessPrng: it fills
   the buffer from RtlGenRandom (advapi32's SystemFunction036), as the real
   one fills it from the system's generator. Built by .ci/windows-tests
   with mingw-w64 into the Wine prefix's system32; never shipped. */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T n) {
	while (n > 0) {
		ULONG k = n > 0x40000000 ? 0x40000000 : (ULONG)n;
		if (!RtlGenRandom(data, k))
			return FALSE;
		data += k;
		n -= k;
	}
	return TRUE;
}
