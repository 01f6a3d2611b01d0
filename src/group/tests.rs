use super::access::StrKey;

#[test]
fn string_keys_compare_whole() {
    assert_eq!(StrKey::new(b"ab"), StrKey::new(b"ab"));
    assert_ne!(StrKey::new(b"ab"), StrKey::new(b"ab\0"));
    assert_ne!(
        StrKey::new(b"abcdefghijklmnopq1"),
        StrKey::new(b"abcdefghijklmnopq2")
    );
}
