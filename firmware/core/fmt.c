/* printf-style formatting (see core/fmt.h). */
#include "core/fmt.h"
#include <stdint.h>

struct out {
    char *buf;
    size_t size;
    size_t len; /* characters produced so far, including those cut off */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void pad(struct out *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

struct spec {
    int left, zero, plus, space;
    int width;     /* -1: none */
    int precision; /* -1: none */
};

static void put_str(struct out *o, const struct spec *sp, const char *s)
{
    int n = 0;
    if (!s)
        s = "(null)";
    while (s[n] && (sp->precision < 0 || n < sp->precision))
        n++;
    if (!sp->left)
        pad(o, ' ', sp->width - n);
    for (int i = 0; i < n; i++)
        put(o, s[i]);
    if (sp->left)
        pad(o, ' ', sp->width - n);
}

static void put_num(struct out *o, const struct spec *sp, uintmax_t v, int neg,
                    unsigned base, int upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[sizeof(uintmax_t) * 3 + 2];
    int n = 0;
    while (v || (n == 0 && sp->precision != 0)) { /* "%.0d" of 0 prints nothing */
        tmp[n++] = digits[v % base];
        v /= base;
    }
    char sign = neg ? '-' : sp->plus ? '+' : sp->space ? ' ' : 0;
    int ndigits = n < sp->precision ? sp->precision : n;
    int total = ndigits + (sign ? 1 : 0);
    int zero = sp->zero && !sp->left && sp->precision < 0;
    if (!sp->left && !zero)
        pad(o, ' ', sp->width - total);
    if (sign)
        put(o, sign);
    if (zero)
        pad(o, '0', sp->width - total);
    pad(o, '0', ndigits - n);
    while (n)
        put(o, tmp[--n]);
    if (sp->left)
        pad(o, ' ', sp->width - total);
}

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE, LEN_MAX, LEN_PTRDIFF };

static uintmax_t arg_unsigned(va_list *ap, enum length len)
{
    switch (len) {
    case LEN_CHAR: return (unsigned char)va_arg(*ap, unsigned);
    case LEN_SHORT: return (unsigned short)va_arg(*ap, unsigned);
    case LEN_LONG: return va_arg(*ap, unsigned long);
    case LEN_LLONG: return va_arg(*ap, unsigned long long);
    case LEN_SIZE: return va_arg(*ap, size_t);
    case LEN_MAX: return va_arg(*ap, uintmax_t);
    case LEN_PTRDIFF: return (uintmax_t)va_arg(*ap, ptrdiff_t);
    default: return va_arg(*ap, unsigned);
    }
}

static intmax_t arg_signed(va_list *ap, enum length len)
{
    switch (len) {
    case LEN_CHAR: return (signed char)va_arg(*ap, int);
    case LEN_SHORT: return (short)va_arg(*ap, int);
    case LEN_LONG: return va_arg(*ap, long);
    case LEN_LLONG: return va_arg(*ap, long long);
    case LEN_SIZE: return (intmax_t)va_arg(*ap, size_t);
    case LEN_MAX: return va_arg(*ap, intmax_t);
    case LEN_PTRDIFF: return va_arg(*ap, ptrdiff_t);
    default: return va_arg(*ap, int);
    }
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
    *sp = (struct spec){ .width = -1, .precision = -1 };
    for (;; f++) {
        if (*f == '-') sp->left = 1;
        else if (*f == '0') sp->zero = 1;
        else if (*f == '+') sp->plus = 1;
        else if (*f == ' ') sp->space = 1;
        else break;
    }
    if (*f == '*') {
        int w = va_arg(*ap, int);
        if (w < 0) {
            sp->left = 1;
            w = w == -0x7fffffff - 1 ? 0x7fffffff : -w;
        }
        sp->width = w;
        f++;
    } else {
        for (; *f >= '0' && *f <= '9'; f++)
            sp->width = (sp->width < 0 ? 0 : sp->width) * 10 + (*f - '0');
    }
    if (*f == '.') {
        f++;
        sp->precision = 0;
        if (*f == '*') {
            sp->precision = va_arg(*ap, int);
            if (sp->precision < 0)
                sp->precision = -1;
            f++;
        } else {
            for (; *f >= '0' && *f <= '9'; f++)
                sp->precision = sp->precision * 10 + (*f - '0');
        }
    }
    return f;
}

static const char *parse_length(const char *f, enum length *len)
{
    *len = LEN_INT;
    switch (*f) {
    case 'h':
        if (f[1] == 'h') { *len = LEN_CHAR; return f + 2; }
        *len = LEN_SHORT; return f + 1;
    case 'l':
        if (f[1] == 'l') { *len = LEN_LLONG; return f + 2; }
        *len = LEN_LONG; return f + 1;
    case 'z': *len = LEN_SIZE; return f + 1;
    case 'j': *len = LEN_MAX; return f + 1;
    case 't': *len = LEN_PTRDIFF; return f + 1;
    default: return f;
    }
}

int nb_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
    struct out o = { buf, size, 0 };
    struct spec sp;
    enum length len;
    va_list ap;
    va_copy(ap, ap_in);
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            put(&o, *f);
            continue;
        }
        f = parse_length(parse_spec(f + 1, &sp, &ap), &len);
        switch (*f) {
        case 'd': case 'i': {
            intmax_t v = arg_signed(&ap, len);
            uintmax_t mag = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
            put_num(&o, &sp, mag, v < 0, 10, 0);
            break;
        }
        case 'u': put_num(&o, &sp, arg_unsigned(&ap, len), 0, 10, 0); break;
        case 'x': put_num(&o, &sp, arg_unsigned(&ap, len), 0, 16, 0); break;
        case 'X': put_num(&o, &sp, arg_unsigned(&ap, len), 0, 16, 1); break;
        case 'o': put_num(&o, &sp, arg_unsigned(&ap, len), 0, 8, 0); break;
        case 'p':
            put(&o, '0');
            put(&o, 'x');
            put_num(&o, &sp, (uintptr_t)va_arg(ap, void *), 0, 16, 0);
            break;
        case 'c':
            if (!sp.left)
                pad(&o, ' ', sp.width - 1);
            put(&o, (char)va_arg(ap, int)); /* a NUL is written and counted, as in C */
            if (sp.left)
                pad(&o, ' ', sp.width - 1);
            break;
        case 's': put_str(&o, &sp, va_arg(ap, const char *)); break;
        case '%': put(&o, '%'); break;
        default:
            va_end(ap);
            if (size)
                buf[o.len < size ? o.len : size - 1] = 0;
            return -1;
        }
    }
    va_end(ap);
    if (size)
        buf[o.len < size ? o.len : size - 1] = 0;
    return o.len > 0x7fffffff ? 0x7fffffff : (int)o.len;
}

int nb_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = nb_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
