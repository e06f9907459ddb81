fn main() -> std::process::ExitCode {
    deskwoot::cli::main()
}
