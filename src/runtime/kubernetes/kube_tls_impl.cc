// Asio's SSL support, compiled once here: berth_http builds the rest of Asio separately
// (BOOST_ASIO_SEPARATE_COMPILATION), and only this runtime speaks TLS.
#include <boost/asio/ssl/impl/src.hpp>
