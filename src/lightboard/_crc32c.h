/*
 * CRC-32C (Castagnoli) and TFRecord's masked form, shared by lightboard's C extensions: the writer's
 * framing (events/_framing.c) and the reader's scanner (reader/_scan.c). SSE4.2 where the CPU has it,
 * else slicing-by-8 tables. Call crc_init() once from the module's init function.
 */
#ifndef LIGHTBOARD_CRC32C_H
#define LIGHTBOARD_CRC32C_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define LB_HAVE_SSE42 1
#include <nmmintrin.h>
#endif

static uint32_t crc_table[8][256];
static int use_hardware = 0;

static void crc_init(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t crc = n;
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
        crc_table[0][n] = crc;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t crc = crc_table[0][n];
        for (int k = 1; k < 8; k++) {
            crc = crc_table[0][crc & 0xFF] ^ (crc >> 8);
            crc_table[k][n] = crc;
        }
    }
#ifdef LB_HAVE_SSE42
    __builtin_cpu_init();
    use_hardware = __builtin_cpu_supports("sse4.2");
#endif
}

static uint32_t crc_software(const unsigned char *p, size_t n) {
    uint32_t crc = 0xFFFFFFFFu;
    while (n >= 8) {
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
        crc = crc_table[7][lo & 0xFF] ^ crc_table[6][(lo >> 8) & 0xFF] ^ crc_table[5][(lo >> 16) & 0xFF] ^
              crc_table[4][lo >> 24] ^ crc_table[3][hi & 0xFF] ^ crc_table[2][(hi >> 8) & 0xFF] ^
              crc_table[1][(hi >> 16) & 0xFF] ^ crc_table[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n--) crc = crc_table[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

#ifdef LB_HAVE_SSE42
__attribute__((target("sse4.2"))) static uint32_t crc_hardware(const unsigned char *p, size_t n) {
    uint64_t crc = 0xFFFFFFFFu;
    while (n >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        crc = _mm_crc32_u64(crc, word);
        p += 8;
        n -= 8;
    }
    uint32_t crc32 = (uint32_t)crc;
    while (n--) crc32 = _mm_crc32_u8(crc32, *p++);
    return crc32 ^ 0xFFFFFFFFu;
}
#endif

static uint32_t masked_crc(const unsigned char *p, size_t n) {
#ifdef LB_HAVE_SSE42
    uint32_t crc = use_hardware ? crc_hardware(p, n) : crc_software(p, n);
#else
    uint32_t crc = crc_software(p, n);
#endif
    return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u;
}

#endif
