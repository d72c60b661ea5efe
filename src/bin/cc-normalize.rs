fn main() -> std::process::ExitCode {
    codercrucible::cmd::normalize::main()
}
