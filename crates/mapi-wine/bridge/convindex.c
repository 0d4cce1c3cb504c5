/* ScCreateConversationIndex in the documented format (PidTagConversationIndex): with no
 * parent a 22-byte header block (0x01, the five high bytes of the current FILETIME, a
 * new GUID); with a parent, the parent followed by one 5-byte child block: a delta-code
 * bit, 31 bits of the time since the header (bits 18..48 of the delta, or 23..53 when it
 * is too large), 8 random bits; all big-endian. Allocated with MAPIAllocateBuffer. */
#include "bridge.h"

int32_t WINAPI MAPIAllocateBuffer(uint32_t cb, void *pp);

static uint64_t now(void)
{
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    return (uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime;
}

int32_t WINAPI ScCreateConversationIndex(uint32_t cbp, uint8_t *parent, uint32_t *cbout, uint8_t **out)
{
    uint8_t *d = NULL;
    uint64_t t = now();
    GUID g;
    uint32_t cb, i;
    int32_t hr;
    if (!cbout || !out) return BR_E_INVALIDARG;
    *out = NULL;
    *cbout = 0;
    if (cbp && (!parent || cbp < 22 || (cbp - 22) % 5)) return BR_E_INVALIDARG;
    if (cbp > 0xFFFFFF00u) return BR_E_INVALIDARG;
    if (CoCreateGuid(&g) < 0) return BR_E_CALL_FAILED;
    cb = cbp ? cbp + 5 : 22;
    if ((hr = MAPIAllocateBuffer(cb, &d)) < 0) return hr;
    if (!d) return BR_E_NOT_ENOUGH_MEMORY;
    if (!cbp) {
        d[0] = 1;
        for (i = 0; i < 5; i++) d[1 + i] = (uint8_t)(t >> (56 - 8 * i));
        memcpy(d + 6, &g, 16);
    } else {
        uint64_t head = 0, delta;
        uint32_t block;
        for (i = 0; i < 5; i++) head |= (uint64_t)parent[1 + i] << (56 - 8 * i);
        delta = t > head ? t - head : 0;
        if (delta >> 49 == 0) block = (uint32_t)(delta >> 18) & 0x7FFFFFFFu;
        else block = 0x80000000u | ((uint32_t)(delta >> 23) & 0x7FFFFFFFu);
        memcpy(d, parent, cbp);
        for (i = 0; i < 4; i++) d[cbp + i] = (uint8_t)(block >> (24 - 8 * i));
        d[cbp + 4] = g.Data4[7];
    }
    *out = d;
    *cbout = cb;
    return 0;
}
