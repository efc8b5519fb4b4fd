/*
 * esp.c - ESP-IDF and the ESP8266 SDK from the images that carry them.
 *
 * An ESP-IDF application states the IDF it was built with in a fixed
 * field of its app descriptor (esp_app_desc_t.idf_ver), a bootloader of
 * IDF 5.2 on in its bootloader descriptor; an ESP8266 NONOS image keeps
 * the SDK's version as a string its banner ("SDK ver: %s compiled @
 * ...") prints, usually far from the banner. Signatures cannot tie those
 * together reliably (the descriptor's field has no text around it, and a
 * `version-near` regex would take an app version "v1.2.3" for the IDF),
 * so the inventory reads the image the esp_image handler unpacked, with
 * the handler's own parser (unpack/esp_image.h), and names the
 * components of data/signatures/components.txt (esp-idf,
 * esp8266-nonos-sdk) so identifiers stay in one place.
 */
#include <stdio.h>
#include <string.h>

#include "inventory/inv_internal.h"
#include "unpack/esp_image.h"

static inv_comp *component(fg_inv *inv, const char *name, const char *version,
			   const char *fallback_cpe)
{
	const fg_sig *sig = fg_sigdb_by_name(inv->db, name);
	inv_comp *c = fg_inv_comp(inv, name, version, sig && sig->type ? sig->type : "firmware");
	if (!c)
		return NULL;
	c->sig = sig ? sig->name : NULL;
	const char *cpe = sig && sig->cpe ? sig->cpe : fallback_cpe;
	const char *purl = fg_purl_make(inv->arena, sig && sig->purl_type ? sig->purl_type : "generic",
					sig ? sig->purl_ns : NULL,
					sig && sig->purl_name ? sig->purl_name : name, version, NULL);
	fg_inv_ids(inv, c, fg_cpe_make(inv->arena, cpe, version), purl, sig ? sig->supplier : NULL);
	return c;
}

static void esp_idf(fg_inv *inv, const fg_esp_image *img, const char *where, const fg_node *file)
{
	const char *ver = img->has_app_desc ? img->idf_ver : img->has_boot_desc ? img->boot_idf_ver : NULL;
	char rel[32];
	if (!ver || !fg_esp_idf_release(ver, rel, sizeof(rel)))
		return;
	inv_comp *c = component(inv, "esp-idf", rel, "espressif:esp-idf");
	if (!c)
		return;
	char ev[160];
	snprintf(ev, sizeof(ev), "%s idf_ver \"%s\" (%s)",
		 img->has_app_desc ? "esp_app_desc_t" : "esp_bootloader_desc_t", ver, img->chip);
	int64_t at = img->nseg ? (int64_t)img->seg[0].off : -1;
	fg_inv_evidence(inv, c, "image-header", where, ev, at, FG_CONF_HIGH);
	fg_inv_file(inv, c, where, file);
	fg_inv_prop(inv, c, "esp-idf:version-string", ver);
	fg_inv_prop(inv, c, "esp:chip", img->chip);
	if (img->has_app_desc) {
		fg_inv_prop(inv, c, "esp:project", img->project);
		fg_inv_prop(inv, c, "esp:app-version", img->app_version);
	}
}

/* "3.0.6-dev(072755c)" -> "3.0.6-dev": the release, without the build. */
static void sdk_release(const char *s, char *out, size_t cap)
{
	size_t k = strcspn(s, "(");
	if (k >= cap)
		k = cap - 1;
	memcpy(out, s, k);
	out[k] = '\0';
}

static void esp8266_sdk(fg_inv *inv, const fg_esp_image *img, const char *where, const fg_node *file)
{
	if (!img->sdk_version[0])
		return;
	char rel[40];
	sdk_release(img->sdk_version, rel, sizeof(rel));
	inv_comp *c = component(inv, "esp8266-nonos-sdk", rel, "espressif:esp8266_nonos_sdk");
	if (!c)
		return;
	char ev[128];
	snprintf(ev, sizeof(ev), "SDK version \"%s\", \"SDK ver: %%s compiled @ %s\"", img->sdk_version,
		 img->sdk_compiled);
	fg_inv_evidence(inv, c, "image-header", where, ev, -1, FG_CONF_HIGH);
	fg_inv_file(inv, c, where, file);
	fg_inv_prop(inv, c, "esp8266-sdk:build", img->sdk_version);
	if (img->sdk_compiled[0])
		fg_inv_prop(inv, c, "esp8266-sdk:compiled", img->sdk_compiled);
}

void fg_inv_esp_image(fg_inv *inv, const fg_node *n, const char *where, const fg_node *file)
{
	const fg_node *root = n->unpacked;
	if (!root || !root->format || strcmp(root->format, "esp_image") != 0 || !n->data)
		return;
	size_t len = n->data_len;
	if (root->src_length && root->src_length < len)
		len = (size_t)root->src_length;
	fg_esp_image img;
	if (fg_esp_image_parse(n->data, len, &img) == FG_ESP_NOT)
		return;
	fg_esp_image_strings(n->data, &img);
	esp_idf(inv, &img, where, file);
	esp8266_sdk(inv, &img, where, file);
}
