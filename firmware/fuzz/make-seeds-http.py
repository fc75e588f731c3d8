#!/usr/bin/env python3
"""Seed corpora for fuzz_url, fuzz_http_head and fuzz_http_chunked.

Writes firmware/fuzz/corpus/<target>/*.txt|bin: valid and hostile URLs,
response heads as nginx, python's http.server and odd servers send them,
and chunked bodies with extensions and trailers. Run from the repo root."""
import os

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("latin-1"))


urls = {
    "http": "http://boot.example/stage2.efi",
    "https-port-query": "https://boot.example:8443/a/b?x=1&y=%20z",
    "tftp": "tftp://198.18.255.69/nearboot/stage1.efi",
    "v6": "http://[fd00:b007::1]:8080/x",
    "v6-mapped": "https://[::ffff:198.18.0.1]/",
    "fragment": "http://h/p?q#frag",
    "userinfo": "http://user:pw@h/",
    "zone": "http://[fe80::1%25eth0]/",
    "dots": "http://h/a/./b/../../c/",
    "relative": "../x/./y?z",
    "netpath": "//mirror.example/path",
    "abspath": "/only/path",
    "query-only": "?q=1",
    "numeric": "http://1.2.3/",
    "pct": "http://h/%zz%4",
    "long-label": "http://" + "a" * 64 + ".example/",
}
for k, v in urls.items():
    write("fuzz_url", k + ".txt", v)

CRLF = "\r\n"


def resp(status, fields, body=""):
    return "HTTP/1.1 " + status + CRLF + "".join(f + CRLF for f in fields) + CRLF + body


heads = {
    "nginx-200": resp("200 OK", ["Server: nginx/1.22.1", "Date: Wed, 25 Nov 2026 10:00:00 GMT",
                                 "Content-Type: application/octet-stream", "Content-Length: 5",
                                 "Last-Modified: Tue, 24 Nov 2026 09:00:00 GMT", "Connection: keep-alive",
                                 'ETag: "6744b6c0-5"', "Accept-Ranges: bytes"], "hello"),
    "nginx-206": resp("206 Partial Content", ['ETag: "6744b6c0-400"', "Content-Length: 24",
                                              "Content-Range: bytes 1000-1023/1024"], "x" * 24),
    "nginx-416": resp("416 Requested Range Not Satisfiable", ["Content-Range: bytes */1024",
                                                               "Content-Length: 0"]),
    "nginx-302": resp("302 Moved Temporarily", ["Location: https://mirror.example/stage2.efi",
                                                "Content-Length: 5"], "moved"),
    "relative-301": resp("301 Moved Permanently", ["Location: ../other?x=1", "Content-Length: 0"]),
    "chunked": resp("200 OK", ["Transfer-Encoding: chunked"], "5;ext=1\r\nhello\r\n0\r\nT: 1\r\n\r\n"),
    "python-1.0": "HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.2\r\n"
                  "Content-Length: 3\r\n\r\nabc",
    "close-delimited": "HTTP/1.0 200 OK\r\n\r\nrest of the stream",
    "continue": "HTTP/1.1 100 Continue\r\n\r\n" + resp("200 OK", ["Content-Length: 1"], "z"),
    "cl-te": resp("200 OK", ["Content-Length: 5", "Transfer-Encoding: chunked"], "0\r\n\r\n"),
    "cl-dup": resp("200 OK", ["Content-Length: 5", "Content-Length: 5, 5"], "hello"),
    "cl-conflict": resp("200 OK", ["Content-Length: 5", "Content-Length: 6"], "hello!"),
    "cl-huge": resp("200 OK", ["Content-Length: 9007199254740993"]),
    "obs-fold": resp("200 OK", ["X: a", " b", "Content-Length: 0"]),
    "te-gzip": resp("200 OK", ["Transfer-Encoding: gzip, chunked"]),
    "404": resp("404 Not Found", ["Content-Length: 9"], "not found"),
    "204": resp("204 No Content", ["Content-Length: 10"]),
    "weak-etag": resp("200 OK", ['ETag: W/"x"', "Last-Modified: Tue, 24 Nov 2026 09:00:00 GMT",
                                 "Date: Tue, 24 Nov 2026 09:00:05 GMT", "Content-Length: 0"]),
    "bare-lf": "HTTP/1.1 200 OK\nContent-Length: 0\n\n",
    "v6-location": resp("308 Permanent Redirect", ["Location: http://[fd00:b007::1]:8080/x",
                                                    "Content-Length: 0"]),
}
for k, v in heads.items():
    write("fuzz_http_head", k + ".txt", v)

chunked = {
    "simple": "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    "upper-hex-zeros": "000A\r\n0123456789\r\n0\r\n\r\n",
    "extensions": "5 ; a = \"q;x\" ; b\r\nhello\r\n0;last\r\n\r\n",
    "trailers": "1\r\nx\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n",
    "overflow": "ffffffffffffffffffff\r\n",
    "limit": "20000000000000\r\n",
    "missing-crlf": "5\r\nhelloX\r\n0\r\n\r\n",
    "bare-lf": "5\nhello\n0\n\n",
    "many-small": "".join("1\r\n%c\r\n" % (65 + i % 26) for i in range(200)) + "0\r\n\r\n",
    "trailing-data": "0\r\n\r\nHTTP/1.1 200 OK\r\n",
    "cap": "\x81" + "0\r\n\r\n",
}
for k, v in chunked.items():
    write("fuzz_http_chunked", k + ".bin", v)
