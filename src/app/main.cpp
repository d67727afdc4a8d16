// sip-call: everything lives in the library; main only hands over argv.
#include "cli.h"

int main(int argc, char** argv) { return sipcall::run_cli(argc, argv); }
