// Catch2's main() and implementation, shared by unit_tests and integration_tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
