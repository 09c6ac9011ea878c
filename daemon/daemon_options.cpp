#include "daemon_options.hpp"
