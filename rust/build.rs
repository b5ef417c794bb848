fn main() {
    cxx_build::bridge("src/bridge.rs").flag_if_supported("-std=c++17").compile("semantic_views_bridge");
    println!("cargo:rerun-if-changed=src/bridge.rs");
}
