#include "daemon_options.hpp"

int main() {
    return 1;
}
