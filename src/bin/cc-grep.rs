fn main() -> std::process::ExitCode {
    codercrucible::cmd::grep::main()
}
