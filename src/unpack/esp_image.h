/*
 * esp_image.h - what an Espressif application or bootloader image says.
 *
 * The esp_image handler parses images with these functions, and the
 * inventory reads the same parse to name ESP-IDF and the ESP8266 SDK
 * (from the app and bootloader descriptors, and from the SDK's version
 * strings) instead of guessing from loose strings.
 */
#ifndef FG_ESP_IMAGE_H
#define FG_ESP_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FG_ESP_MAX_SEGMENTS 16

typedef struct fg_esp_segment {
	uint32_t addr;          /* load address */
	uint32_t len;           /* as the header states it */
	size_t off;             /* of the data in the chunk */
	size_t have;            /* bytes of it present (< len when cut) */
} fg_esp_segment;

typedef enum fg_esp_status {
	FG_ESP_NOT = 0,         /* not an image */
	FG_ESP_TRUNCATED,       /* plausible headers, data cut short */
	FG_ESP_BAD_CHECKSUM,    /* complete, but the checksum does not match */
	FG_ESP_OK,              /* complete and the checksum matches */
} fg_esp_status;

typedef struct fg_esp_image {
	fg_esp_status status;
	bool esp8266;           /* ESP8266 layout: no extended header */
	bool ota_v2;            /* ESP8266 0xEA image: irom first, then an 0xE9 image */
	bool known_chip;
	uint16_t chip_id;
	const char *chip;       /* "ESP32-S2", "ESP8266", "chip 0x42" */
	uint8_t flash_mode, flash_size_freq;
	uint32_t entry;
	uint16_t min_rev_full, max_rev_full;

	unsigned nseg;
	fg_esp_segment seg[FG_ESP_MAX_SEGMENTS];

	/* flash-mapped code outside the segments: the irom of an 0xEA image,
	 * or the irom0text that NONOS places at 0x10000 after a RAM image */
	bool has_irom;
	size_t irom_off, irom_len;
	uint32_t irom_addr;     /* 0 when only the flash offset could tell */

	size_t image_end;       /* after the checksum (and digest / CRC) */
	size_t chunk_len;       /* bytes the image claims, irom included */
	uint8_t checksum, checksum_calc;
	bool has_digest;        /* ESP32 family: SHA-256 appended */
	bool has_crc;           /* 0xEA: CRC32 appended */
	uint32_t crc, crc_calc;

	/* esp_app_desc_t at the start of the first DROM segment */
	bool has_app_desc;
	uint32_t secure_version;
	char app_version[33], project[33], app_time[17], app_date[17], idf_ver[33];
	uint8_t elf_sha256[32];

	/* esp_bootloader_desc_t at the start of the first segment (IDF >= 5.2) */
	bool has_boot_desc;
	uint32_t boot_version;
	char boot_idf_ver[33], boot_date_time[25];

	/* strings of ESP8266 SDKs and applications (fg_esp_image_strings) */
	char sdk_version[40];   /* "3.0.6-dev(072755c)" */
	char sdk_compiled[32];  /* "Jun 26 2018 16:54:37" */
	char boot_build[32];    /* ESP8266 boot loader: "1.7(5d6f877)" */
	char app_name[16];      /* "NodeMCU", "AT" */
	char app_build[32];     /* "1.7.6" */
	char app_compiled[32];
} fg_esp_image;

/* Parses the image starting at DATA (LEN bytes available): headers,
 * segments, checksum, and the descriptors. Never reads outside DATA. */
fg_esp_status fg_esp_image_parse(const uint8_t *data, size_t len, fg_esp_image *img);

/* Fills the ESP8266 string facts (SDK version and build date, boot
 * loader version, NodeMCU / AT firmware) from the image's data. */
void fg_esp_image_strings(const uint8_t *data, fg_esp_image *img);

/* SHA-256 check of an image with a digest appended: 1 ok, 0 mismatch,
 * -1 no digest (or it lies outside the data). */
int fg_esp_image_digest_ok(const uint8_t *data, const fg_esp_image *img);

/* Upstream release of an ESP-IDF version string: "v5.0-beta1-427-g45"
 * -> "5.0"; false when it does not start like a release. */
bool fg_esp_idf_release(const char *idf_ver, char *out, size_t cap);

#endif
