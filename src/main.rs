fn main() -> std::process::ExitCode {
    perfdsl::cli::main()
}
