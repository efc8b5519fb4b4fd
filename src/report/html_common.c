/*
 * html_common.c - escaping, the page frame and small widgets shared by the
 * HTML report (html.c) and the HTML diff (diff_render.c).
 */
#include "report/html_common.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/data.h"

/* Length of the valid UTF-8 sequence at P (at most N bytes), 0 if invalid.
 * Overlong forms, surrogates and code points above U+10FFFF are invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t need;
	uint32_t min, cp;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1, min = 0x80, cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2, min = 0x800, cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3, min = 0x10000, cp = c & 0x07;
	} else {
		return 0;
	}
	if (need >= n)
		return 0;
	for (size_t i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need + 1;
}

void fg_html_escn(FILE *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		switch (c) {
		case '&': fputs("&amp;", out); i++; continue;
		case '<': fputs("&lt;", out); i++; continue;
		case '>': fputs("&gt;", out); i++; continue;
		case '"': fputs("&quot;", out); i++; continue;
		case '\'': fputs("&#39;", out); i++; continue;
		case '\t': case '\n': case '\r': fputc(c, out); i++; continue; /* whitespace HTML allows */
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			/* control characters are not allowed in HTML text */
			fputs("\xef\xbf\xbd", out);
			i++;
		} else if (c < 0x80) {
			fputc(c, out);
			i++;
		} else {
			size_t len = utf8_len(p + i, n - i);
			if (len) {
				fwrite(p + i, 1, len, out);
				i += len;
			} else {
				fputs("\xef\xbf\xbd", out);
				i++;
			}
		}
	}
}

void fg_html_esc(FILE *out, const char *s)
{
	if (s)
		fg_html_escn(out, s, strlen(s));
}

void fg_html_token(FILE *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		unsigned char c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		    c == '-') {
			fputc(c, out);
		} else {
			fputc('_', out);
			fputc(hex[c >> 4], out);
			fputc(hex[c & 15], out);
		}
	}
}

/* ---- fg_hprintf ---------------------------------------------------------- */

enum len_mod { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T, LEN_BIGL };

/* SPEC below is a piece of fg_hprintf's FMT, which the compiler checked
 * against the arguments (format attribute); it is not data. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* One conversion: SPEC holds "%[flags][width][.prec][len]conv" with any '*'
 * already consumed from AP into STAR[]. */
static void emit_conversion(FILE *out, const char *spec, char conv, enum len_mod len, const int *star,
			    int nstar, int prec, va_list *ap)
{
#define EMIT(value)                                                   \
	do {                                                          \
		if (nstar == 2)                                       \
			fprintf(out, spec, star[0], star[1], value);  \
		else if (nstar == 1)                                  \
			fprintf(out, spec, star[0], value);           \
		else                                                  \
			fprintf(out, spec, value);                    \
	} while (0)

	switch (conv) {
	case 'd': case 'i':
		switch (len) {
		case LEN_L: EMIT(va_arg(*ap, long)); break;
		case LEN_LL: EMIT(va_arg(*ap, long long)); break;
		case LEN_Z: EMIT(va_arg(*ap, ptrdiff_t)); break;
		case LEN_J: EMIT(va_arg(*ap, intmax_t)); break;
		case LEN_T: EMIT(va_arg(*ap, ptrdiff_t)); break;
		default: EMIT(va_arg(*ap, int)); break;
		}
		break;
	case 'u': case 'x': case 'X': case 'o':
		switch (len) {
		case LEN_L: EMIT(va_arg(*ap, unsigned long)); break;
		case LEN_LL: EMIT(va_arg(*ap, unsigned long long)); break;
		case LEN_Z: EMIT(va_arg(*ap, size_t)); break;
		case LEN_J: EMIT(va_arg(*ap, uintmax_t)); break;
		case LEN_T: EMIT(va_arg(*ap, size_t)); break;
		default: EMIT(va_arg(*ap, unsigned)); break;
		}
		break;
	case 'c': {
		char ch = (char)va_arg(*ap, int);
		fg_html_escn(out, &ch, 1);
		break;
	}
	case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A':
		if (len == LEN_BIGL)
			EMIT(va_arg(*ap, long double));
		else
			EMIT(va_arg(*ap, double));
		break;
	case 's': {
		const char *s = va_arg(*ap, const char *);
		if (s)
			fg_html_escn(out, s, prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s));
		break;
	}
	case 'p':
		EMIT(va_arg(*ap, void *));
		break;
	default:
		break;
	}
#undef EMIT
}

#pragma GCC diagnostic pop

void fg_hprintf(FILE *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *p = fmt;
	while (*p) {
		const char *pct = strchr(p, '%');
		if (!pct) {
			fputs(p, out);
			break;
		}
		fwrite(p, 1, (size_t)(pct - p), out);
		p = pct + 1;
		if (*p == '%') {
			fputc('%', out);
			p++;
			continue;
		}
		char spec[32] = "%";
		size_t sl = 1;
		int star[2], nstar = 0, prec = -1;
		while (*p && strchr("-+ #0", *p) && sl < 20)
			spec[sl++] = *p++;
		if (*p == '*') {
			star[nstar++] = va_arg(ap, int);
			spec[sl++] = *p++;
		}
		while (*p >= '0' && *p <= '9' && sl < 20)
			spec[sl++] = *p++;
		if (*p == '.') {
			spec[sl++] = *p++;
			if (*p == '*') {
				prec = va_arg(ap, int);
				star[nstar++] = prec;
				spec[sl++] = *p++;
			} else {
				prec = 0;
				while (*p >= '0' && *p <= '9' && sl < 26) {
					prec = prec * 10 + (*p - '0');
					spec[sl++] = *p++;
				}
			}
		}
		enum len_mod len = LEN_NONE;
		if (p[0] == 'h' && p[1] == 'h') len = LEN_HH, p += 2, spec[sl++] = 'h', spec[sl++] = 'h';
		else if (p[0] == 'l' && p[1] == 'l') len = LEN_LL, p += 2, spec[sl++] = 'l', spec[sl++] = 'l';
		else if (*p == 'h') len = LEN_H, spec[sl++] = *p++;
		else if (*p == 'l') len = LEN_L, spec[sl++] = *p++;
		else if (*p == 'z') len = LEN_Z, spec[sl++] = *p++;
		else if (*p == 'j') len = LEN_J, spec[sl++] = *p++;
		else if (*p == 't') len = LEN_T, spec[sl++] = *p++;
		else if (*p == 'L') len = LEN_BIGL, spec[sl++] = *p++;
		if (!*p)
			break;
		char conv = *p++;
		spec[sl++] = conv;
		spec[sl] = '\0';
		emit_conversion(out, spec, conv, len, star, nstar, prec, &ap);
	}
	va_end(ap);
}

/* ---- page frame ---------------------------------------------------------- */

/* Records script errors, rejected promises, console.error calls and
 * blocked fetches on <html>, so a headless browser's DOM dump shows them. */
static const char error_hook[] =
	"(function(){var d=document.documentElement;"
	"function rec(kind,m){var n=+(d.getAttribute('data-js-errors')||0)+1;"
	"d.setAttribute('data-js-errors',String(n));"
	"d.setAttribute('data-js-error-last',(kind+': '+String(m)).slice(0,500));}"
	"window.addEventListener('error',function(e){rec('error',e.message||(e.target&&e.target.tagName)||'?');},true);"
	"window.addEventListener('unhandledrejection',function(e){rec('rejection',e.reason);});"
	"document.addEventListener('securitypolicyviolation',function(e){rec('csp',e.blockedURI+' '+e.violatedDirective);});"
	"var ce=console.error;console.error=function(){rec('console',Array.prototype.join.call(arguments,' '));"
	"return ce.apply(console,arguments);};})();";

static void write_asset(FILE *out, const char *name)
{
	const fg_data_file *f = fg_data_get(name);
	if (f)
		fwrite(f->data, 1, f->len, out);
}

void fg_html_begin(FILE *out, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      /* nothing may be fetched: no network, no external fonts or images */
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
	      "<meta name=\"generator\" content=\"firmgate ", out);
	fg_html_esc(out, fg_version());
	fputs("\">\n<title>", out);
	fg_html_esc(out, title);
	fputs("</title>\n<script>", out);
	fputs(error_hook, out);
	fputs("</script>\n<style>\n", out);
	write_asset(out, "report/report.css");
	fputs("</style>\n</head>\n<body>\n", out);
}

void fg_html_controls(FILE *out, const char *nav_html, int severity_toggles)
{
	fputs("<nav class=\"controls\" aria-label=\"sections and filters\">\n<span class=\"toc\">", out);
	fputs(nav_html, out);
	fputs("</span>\n<input type=\"search\" id=\"filter\" placeholder=\"filter: path, check, CVE, text\" "
	      "aria-label=\"filter the report\">\n", out);
	if (severity_toggles) {
		fputs("<span class=\"sevs\" role=\"group\" aria-label=\"severities shown\">", out);
		for (int s = FG_SEV_CRITICAL; s >= FG_SEV_INFO; s--) {
			const char *name = fg_severity_name((fg_severity)s);
			fg_hprintf(out, "<label><input type=\"checkbox\" class=\"sev-toggle\" data-sev=\"%s\" checked> "
				   "<span class=\"sev sev-%s\">%s</span></label> ", name, name, name);
		}
		fputs("</span>\n", out);
	}
	fputs("<span id=\"filter-status\" class=\"status\" aria-live=\"polite\"></span>\n</nav>\n", out);
}

void fg_html_end(FILE *out)
{
	fputs("<footer class=\"page\">Written by firmgate ", out);
	fg_html_esc(out, fg_version());
	fputs(". One self-contained file: it loads nothing from the network.</footer>\n<script>\n", out);
	write_asset(out, "report/report.js");
	fputs("</script>\n</body>\n</html>\n", out);
}

/* ---- widgets ------------------------------------------------------------- */

void fg_html_bytes(FILE *out, uint64_t n)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	if (n < 1024) {
		fprintf(out, "%llu B", (unsigned long long)n);
		return;
	}
	double v = (double)n / 1024.0;
	int u = 0;
	while (v >= 1024.0 && u < 3) {
		v /= 1024.0;
		u++;
	}
	fprintf(out, "%.1f %s", v, unit[u]);
}

void fg_html_sev(FILE *out, fg_severity s)
{
	const char *name = fg_severity_name(s);
	fg_hprintf(out, "<span class=\"sev sev-%s\">%s</span>", name, name);
}
