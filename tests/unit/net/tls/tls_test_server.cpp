#include "tests/unit/net/tls/tls_test_server.h"

#include <arpa/inet.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>
#include <netinet/in.h>
#include <poll.h>
#include <psa/crypto.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include "firmware/net/tls_platform.h"

namespace lsedge::testing {

namespace {
struct AltKey {
  mbedtls_rsa_context* rsa = nullptr;
  std::atomic<int>* signatures = nullptr;
};
struct TicketCounter {
  mbedtls_ssl_ticket_context* ticket = nullptr;
  std::atomic<int>* accepted = nullptr;
};
struct CacheCounter {
  mbedtls_ssl_cache_context* cache = nullptr;
  std::atomic<int>* hits = nullptr;
};
}  // namespace

struct TlsTestServer::State {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509_crt cert;
  mbedtls_pk_context key;      // the parsed RSA key
  mbedtls_pk_context key_alt;  // RSA-alt wrapper around it that counts signatures
  mbedtls_ssl_config config;
  mbedtls_ssl_cache_context cache;
  mbedtls_ssl_ticket_context ticket;
  AltKey alt{};
  TicketCounter tickets{};
  CacheCounter cache_counter{};

  State() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_x509_crt_init(&cert);
    mbedtls_pk_init(&key);
    mbedtls_pk_init(&key_alt);
    mbedtls_ssl_config_init(&config);
    mbedtls_ssl_cache_init(&cache);
    mbedtls_ssl_ticket_init(&ticket);
  }
  ~State() {
    mbedtls_ssl_ticket_free(&ticket);
    mbedtls_ssl_cache_free(&cache);
    mbedtls_ssl_config_free(&config);
    mbedtls_pk_free(&key_alt);
    mbedtls_pk_free(&key);
    mbedtls_x509_crt_free(&cert);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
};

namespace {

int alt_decrypt(void* ctx, size_t* olen, const unsigned char* input, unsigned char* output,
                size_t output_max_len) {
  auto* alt = static_cast<AltKey*>(ctx);
  return mbedtls_rsa_pkcs1_decrypt(alt->rsa, mbedtls_ctr_drbg_random, nullptr, olen, input, output,
                                   output_max_len);
}

int alt_sign(void* ctx, int (*f_rng)(void*, unsigned char*, size_t), void* p_rng,
             mbedtls_md_type_t md_alg, unsigned int hashlen, const unsigned char* hash,
             unsigned char* sig) {
  auto* alt = static_cast<AltKey*>(ctx);
  alt->signatures->fetch_add(1);
  return mbedtls_rsa_pkcs1_sign(alt->rsa, f_rng, p_rng, md_alg, hashlen, hash, sig);
}

// TLS 1.3 resumption is by ticket only: a ticket the server accepts is a resumed handshake.

// Session-cache hits are resumed handshakes (counted for keys the RSA wrapper cannot count).
int counting_cache_get(void* ctx, unsigned char const* id, size_t id_len,
                       mbedtls_ssl_session* session) {
  auto* counter = static_cast<CacheCounter*>(ctx);
  const int rc = mbedtls_ssl_cache_get(counter->cache, id, id_len, session);
  if (rc == 0) {
    counter->hits->fetch_add(1);
  }
  return rc;
}

int cache_set(void* ctx, unsigned char const* id, size_t id_len,
              const mbedtls_ssl_session* session) {
  return mbedtls_ssl_cache_set(static_cast<CacheCounter*>(ctx)->cache, id, id_len, session);
}

// Mbed TLS passes the same context to the ticket writer and parser.
int ticket_write(void* ctx, const mbedtls_ssl_session* session, unsigned char* start,
                 const unsigned char* end, size_t* length, uint32_t* lifetime) {
  return mbedtls_ssl_ticket_write(static_cast<TicketCounter*>(ctx)->ticket, session, start, end,
                                  length, lifetime);
}

int counting_ticket_parse(void* ctx, mbedtls_ssl_session* session, unsigned char* buf, size_t len) {
  auto* counter = static_cast<TicketCounter*>(ctx);
  const int rc = mbedtls_ssl_ticket_parse(counter->ticket, session, buf, len);
  if (rc == 0) {
    counter->accepted->fetch_add(1);
  }
  return rc;
}

size_t alt_key_len(void* ctx) {
  return mbedtls_rsa_get_len(static_cast<AltKey*>(ctx)->rsa);
}

std::string mbedtls_text(int code) {
  char text[160];
  mbedtls_strerror(code, text, sizeof(text));
  return std::string(text) + " (-0x" + std::to_string(-code) + ")";
}

// Reads exactly `size` bytes; false on close, error or timeout.
bool read_exact(mbedtls_ssl_context* ssl, unsigned char* out, size_t size) {
  size_t done = 0;
  while (done < size) {
    const int rc = mbedtls_ssl_read(ssl, out + done, size - done);
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      continue;
    }
    if (rc <= 0) {
      return false;
    }
    done += static_cast<size_t>(rc);
  }
  return true;
}

bool write_all(mbedtls_ssl_context* ssl, const unsigned char* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    const int rc = mbedtls_ssl_write(ssl, data + done, size - done);
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      continue;
    }
    if (rc <= 0) {
      return false;
    }
    done += static_cast<size_t>(rc);
  }
  return true;
}

// mbedtls_net_send would raise SIGPIPE when the client has already gone.
int send_no_sigpipe(void* context, const unsigned char* data, size_t size) {
  const int fd = static_cast<mbedtls_net_context*>(context)->fd;
  const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
  if (n >= 0) {
    return static_cast<int>(n);
  }
  if (errno == EPIPE || errno == ECONNRESET) {
    return MBEDTLS_ERR_NET_CONN_RESET;
  }
  return errno == EINTR || errno == EAGAIN ? MBEDTLS_ERR_SSL_WANT_WRITE
                                           : MBEDTLS_ERR_NET_SEND_FAILED;
}

// Waits up to `ms` for the peer to send something or go away.
void wait_for_peer(int fd, int ms) {
  pollfd entry{fd, POLLIN, 0};
  (void)poll(&entry, 1, ms);
}

}  // namespace

TlsTestServer::TlsTestServer(ServerOptions options) : options_(std::move(options)) {
  net::tls_platform_init();  // the firmware build's pool, before the server's first allocation
  state_ = new State();
  // The ticket keys are PSA keys (MBEDTLS_USE_PSA_CRYPTO); the client initialises PSA only in
  // configure(), which may come later.
  if (psa_crypto_init() != PSA_SUCCESS) {
    setup_error_ = "psa_crypto_init failed";
    return;
  }
  static const char kPers[] = "lsedge tls test server";
  int rc = mbedtls_ctr_drbg_seed(&state_->drbg, mbedtls_entropy_func, &state_->entropy,
                                 reinterpret_cast<const unsigned char*>(kPers), sizeof(kPers) - 1);
  if (rc == 0) {
    rc = mbedtls_x509_crt_parse_file(&state_->cert, options_.cert_file.c_str());
  }
  if (rc == 0) {
    rc = mbedtls_pk_parse_keyfile(&state_->key, options_.key_file.c_str(), nullptr,
                                  mbedtls_ctr_drbg_random, &state_->drbg);
  }
  if (rc != 0) {
    setup_error_ = "loading " + options_.cert_file + ": " + mbedtls_text(rc);
    return;
  }
  // TLS 1.2 counts full handshakes by wrapping the RSA key (every full handshake signs once).
  // TLS 1.3 signs with RSA-PSS, which the wrapper cannot do: there the full handshakes are the
  // completed ones minus the tickets accepted.
  const bool tls13 = options_.version == TlsVersion::Tls13;
  count_by_signatures_ = !tls13 && mbedtls_pk_get_type(&state_->key) == MBEDTLS_PK_RSA;
  if (count_by_signatures_) {
    state_->alt = AltKey{mbedtls_pk_rsa(state_->key), &signatures_};
    rc = mbedtls_pk_setup_rsa_alt(&state_->key_alt, &state_->alt, alt_decrypt, alt_sign,
                                  alt_key_len);
  }
  if (rc == 0) {
    rc = mbedtls_ssl_config_defaults(&state_->config, MBEDTLS_SSL_IS_SERVER,
                                     MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
  }
  if (rc == 0) {
    mbedtls_ssl_conf_rng(&state_->config, mbedtls_ctr_drbg_random, &state_->drbg);
    mbedtls_ssl_conf_read_timeout(&state_->config, 5000);  // never hang a test
    const mbedtls_ssl_protocol_version version =
        tls13 ? MBEDTLS_SSL_VERSION_TLS1_3 : MBEDTLS_SSL_VERSION_TLS1_2;
    mbedtls_ssl_conf_min_tls_version(&state_->config, version);
    mbedtls_ssl_conf_max_tls_version(&state_->config, version);
    rc = mbedtls_ssl_conf_own_cert(&state_->config, &state_->cert,
                                   count_by_signatures_ ? &state_->key_alt : &state_->key);
  }
  if (rc == 0 && options_.resumption == Resumption::SessionCache) {
    state_->cache_counter = CacheCounter{&state_->cache, &tickets_accepted_};
    mbedtls_ssl_conf_session_cache(&state_->config, &state_->cache_counter, counting_cache_get,
                                   cache_set);
  }
  if (rc == 0 && options_.resumption == Resumption::Tickets) {
    rc = mbedtls_ssl_ticket_setup(&state_->ticket, mbedtls_ctr_drbg_random, &state_->drbg,
                                  MBEDTLS_CIPHER_AES_256_GCM, 86400);
    state_->tickets = TicketCounter{&state_->ticket, &tickets_accepted_};
    if (rc == 0) {
      mbedtls_ssl_conf_session_tickets_cb(&state_->config, ticket_write, counting_ticket_parse,
                                          &state_->tickets);
    }
  }
  if (rc != 0) {
    setup_error_ = "server config: " + mbedtls_text(rc);
    return;
  }

  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) ||
      listen(listen_fd_, 16) != 0) {
    setup_error_ = std::string("listen: ") + std::strerror(errno);
    return;
  }
  socklen_t length = sizeof(address);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { run(); });
}

TlsTestServer::~TlsTestServer() {
  stop_ = true;
  if (thread_.joinable()) {
    thread_.join();
  }
  if (listen_fd_ >= 0) {
    close(listen_fd_);
  }
  delete state_;
}

bool TlsTestServer::wait_connections_finished(int count) {
  std::unique_lock<std::mutex> lock(mutex_);
  return finished_changed_.wait_for(lock, std::chrono::seconds(5),
                                    [&] { return finished_ >= count; });
}

void TlsTestServer::finish_connection() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++finished_;
  finished_changed_.notify_all();
}

void TlsTestServer::run() {
  while (!stop_) {
    pollfd entry{listen_fd_, POLLIN, 0};
    if (poll(&entry, 1, 20) != 1) {
      continue;
    }
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      continue;
    }
    serve(fd);
    finish_connection();
  }
}

void TlsTestServer::serve(int fd) {
  if (options_.mode == ServerMode::Silent) {
    // Swallow the ClientHello and say nothing until the client gives up (at most 10 s).
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!stop_ && std::chrono::steady_clock::now() < until) {
      pollfd entry{fd, POLLIN, 0};
      if (poll(&entry, 1, 20) == 1) {
        char buffer[1024];
        if (recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT) <= 0) {
          break;  // the client closed (or reset)
        }
      }
    }
    close(fd);
    return;
  }
  if (options_.mode == ServerMode::ResetInHandshake) {
    wait_for_peer(fd, 5000);
    char hello[512];
    (void)recv(fd, hello, sizeof(hello), MSG_DONTWAIT);
    linger reset{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
    close(fd);  // RST
    return;
  }

  if (options_.mode == ServerMode::PlainHttp) {
    wait_for_peer(fd, 5000);
    char hello[512];
    (void)recv(fd, hello, sizeof(hello), MSG_DONTWAIT);
    static const char kAnswer[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    (void)::send(fd, kAnswer, sizeof(kAnswer) - 1, MSG_NOSIGNAL);
    wait_for_peer(fd, 2000);  // let the client read it before the socket goes
    close(fd);
    return;
  }

  mbedtls_net_context net;
  mbedtls_net_init(&net);
  net.fd = fd;
  mbedtls_ssl_context ssl;
  mbedtls_ssl_init(&ssl);
  int rc = mbedtls_ssl_setup(&ssl, &state_->config);
  if (rc == 0) {
    mbedtls_ssl_set_bio(&ssl, &net, send_no_sigpipe, nullptr, mbedtls_net_recv_timeout);
    do {
      rc = mbedtls_ssl_handshake(&ssl);
    } while (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
  }
  if (rc == 0) {
    completed_.fetch_add(1);
    switch (options_.mode) {
      case ServerMode::Echo: {
        std::vector<unsigned char> payload;
        for (;;) {
          unsigned char header[4];
          if (!read_exact(&ssl, header, sizeof(header))) {
            break;
          }
          const size_t size = (size_t{header[0]} << 24) | (size_t{header[1]} << 16) |
                              (size_t{header[2]} << 8) | size_t{header[3]};
          payload.resize(size);
          if (!read_exact(&ssl, payload.data(), size)) {
            break;
          }
          bytes_received_.fetch_add(size);
          if (!write_all(&ssl, payload.data(), size)) {
            break;
          }
        }
        (void)mbedtls_ssl_close_notify(&ssl);
        break;
      }
      case ServerMode::Http: {
        std::string request;
        unsigned char buffer[1024];
        for (;;) {
          const int n = mbedtls_ssl_read(&ssl, buffer, sizeof(buffer));
          if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE) {
            continue;
          }
          if (n <= 0) {
            break;
          }
          request.append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(n));
          size_t end;
          while ((end = request.find("\r\n\r\n")) != std::string::npos) {
            request.erase(0, end + 4);
            static const char kResponse[] =
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
                "Connection: keep-alive\r\n\r\nhello";
            if (!write_all(&ssl, reinterpret_cast<const unsigned char*>(kResponse),
                           sizeof(kResponse) - 1)) {
              break;
            }
          }
        }
        (void)mbedtls_ssl_close_notify(&ssl);
        break;
      }
      case ServerMode::CloseAfterHandshake:
        (void)mbedtls_ssl_close_notify(&ssl);
        break;
      default:
        break;
    }
  }
  mbedtls_ssl_free(&ssl);
  mbedtls_net_free(&net);  // closes fd
}

}  // namespace lsedge::testing
