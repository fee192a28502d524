#pragma once
// Canned answers of NAS admin web ports for the HTTP fingerprint tests and the fuzz seeds. Synthetic: shaped like
// the vendors' login pages (status line, Server header, <title>, some text) but not recorded from devices; only
// the vendor markers matter.
#include <string>

namespace kbdiag::testing::http_pages {

inline std::string synology() {
    return "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html; charset=utf-8\r\n"
           "Cache-Control: no-cache\r\n\r\n"
           "<!DOCTYPE html>\n<html class=\"img-no-dragging\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<title>NAS01&nbsp;-&nbsp;Synology&nbsp;DiskStation</title>\n"
           "<link rel=\"stylesheet\" type=\"text/css\" href=\"/scripts/ext-3/resources/css/ext-all.css\">\n"
           "</head>\n<body></body>\n</html>\n";
}

inline std::string qnap() {
    return "HTTP/1.1 200 OK\r\nServer: http server 1.0\r\nContent-Type: text/html\r\n\r\n"
           "<html><head><meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\">\n<title>QTS</title>\n"
           "</head><body><div id=\"login\"></div></body></html>\n";
}

inline std::string truenas_text_only() {   // no title, the name only in the text: a weak hint
    return "HTTP/1.0 200 OK\nContent-Type: text/html\n\n<html><body><script src=\"/ui/main.js\"></script>"
           "<noscript>TrueNAS needs JavaScript</noscript></body></html>";
}

inline std::string iis() {
    return "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nServer: Microsoft-IIS/10.0\r\n\r\n"
           "<html><head><title>IIS Windows Server</title></head><body></body></html>";
}

inline std::string nginx_redirect() {   // says nothing about the vendor
    return "HTTP/1.1 301 Moved Permanently\r\nServer: nginx\r\nLocation: https://nas01:5001/\r\n"
           "Content-Length: 0\r\n\r\n";
}

inline std::string garbage() {   // not HTTP at all (an SSH banner, then bytes)
    std::string g = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\nSynology\x01\x02\xff\xfe";
    for (int i = 0; i < 300; ++i) g.push_back(static_cast<char>((i * 37 + 11) & 0xff));
    return g;
}

}  // namespace kbdiag::testing::http_pages
