fn main() -> std::process::ExitCode {
    codercrucible::cmd::scrub::main()
}
