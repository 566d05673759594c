fn main() -> std::process::ExitCode {
    perfdsl::commands::main()
}
