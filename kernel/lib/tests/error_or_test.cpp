#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include <lib/error_or.h>
#include <lib/intrusive_list.h>
#include <lib/own_ptr.h>
#include <lib/scope_guard.h>
#include <lib/string.h>
#include <lib/vector.h>

namespace {

ErrorOr<int> parse_digit(char c)
{
    if (c < '0' || c > '9')
        return Error(EINVAL);
    return c - '0';
}

ErrorOr<int> sum_digits(char const* text)
{
    int sum = 0;
    for (; *text; ++text)
        sum += TRY(parse_digit(*text));
    return sum;
}

int side_effects = 0;

ErrorOr<void> succeed()
{
    ++side_effects;
    return {};
}

ErrorOr<void> fail_with(int code) { return Error(code); }

ErrorOr<void> chain(bool fail_early)
{
    TRY(succeed());
    if (fail_early)
        TRY(fail_with(ENOENT));
    TRY(succeed());
    return {};
}

// Counts live instances, to check that containers construct and destroy exactly once.
struct Tracked {
    static inline int live = 0;
    int value;
    explicit Tracked(int v)
        : value(v)
    {
        ++live;
    }
    Tracked(Tracked&& other)
        : value(other.value)
    {
        other.value = -1;
        ++live;
    }
    Tracked& operator=(Tracked&& other)
    {
        value = other.value;
        other.value = -1;
        return *this;
    }
    Tracked(Tracked const&) = delete;
    ~Tracked() { --live; }
};

}

TEST(ErrorOr, ValuesAndErrors)
{
    auto value = parse_digit('7');
    ASSERT_FALSE(value.is_error());
    EXPECT_EQ(value.value(), 7);
    auto error = parse_digit('x');
    ASSERT_TRUE(error.is_error());
    EXPECT_EQ(error.error().code(), EINVAL);
    EXPECT_EQ(error.error(), Error(EINVAL));
}

TEST(ErrorOr, TryPropagates)
{
    auto sum = sum_digits("1234");
    ASSERT_FALSE(sum.is_error());
    EXPECT_EQ(sum.value(), 10);
    auto failed = sum_digits("12a4");
    ASSERT_TRUE(failed.is_error());
    EXPECT_EQ(failed.error().code(), EINVAL);

    side_effects = 0;
    EXPECT_FALSE(chain(false).is_error());
    EXPECT_EQ(side_effects, 2);
    side_effects = 0;
    auto result = chain(true);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), ENOENT);
    EXPECT_EQ(side_effects, 1);
}

TEST(ErrorOr, MoveOnlyValues)
{
    Tracked::live = 0;
    {
        ErrorOr<Tracked> tracked = Tracked(5);
        EXPECT_EQ(Tracked::live, 1);
        ErrorOr<Tracked> moved(std::move(tracked));
        EXPECT_EQ(moved.value().value, 5);
        Tracked released = moved.release_value();
        EXPECT_EQ(released.value, 5);
    }
    EXPECT_EQ(Tracked::live, 0);
    {
        ErrorOr<Tracked> error = Error(ENOMEM);
        ErrorOr<Tracked> moved(std::move(error));
        EXPECT_TRUE(moved.is_error());
        EXPECT_EQ(moved.error().code(), ENOMEM);
    }
    EXPECT_EQ(Tracked::live, 0);
}

TEST(ErrorOr, ConvertingConstruction)
{
    auto make = []() -> ErrorOr<long> { return 3; };
    EXPECT_EQ(make().value(), 3);
    auto make_string = []() -> ErrorOr<std::string_view> { return "text"; };
    EXPECT_EQ(make_string().value(), "text");
}

TEST(ErrorOr, Must)
{
    EXPECT_EQ(MUST(parse_digit('3')), 3);
    MUST(succeed());
    EXPECT_DEATH(MUST(parse_digit('x')), "MUST\\(parse_digit\\('x'\\)\\) failed with errno 22");
}

TEST(Verify, PanicsWithTheCondition)
{
    EXPECT_DEATH(VERIFY(1 + 1 == 3), "assertion failed: 1 \\+ 1 == 3");
    EXPECT_DEATH(VERIFY_NOT_REACHED(), "unreachable code reached");
}

TEST(Vector, AppendGrowAndIndex)
{
    Vector<int> vector;
    EXPECT_TRUE(vector.is_empty());
    for (int i = 0; i < 1000; ++i)
        ASSERT_FALSE(vector.try_append(i).is_error());
    EXPECT_EQ(vector.size(), 1000u);
    EXPECT_GE(vector.capacity(), 1000u);
    for (int i = 0; i < 1000; ++i)
        EXPECT_EQ(vector[i], i);
    EXPECT_EQ(vector.last(), 999);
    int sum = 0;
    for (int value : vector)
        sum += value;
    EXPECT_EQ(sum, 999 * 1000 / 2);
    EXPECT_EQ(vector.span().size(), 1000u);
    EXPECT_DEATH((void)vector[1000], "assertion failed");
}

TEST(Vector, BulkAppendResizeRemove)
{
    Vector<char> bytes;
    ASSERT_FALSE(bytes.try_append("hello", 5).is_error());
    ASSERT_FALSE(bytes.try_append(" world", 6).is_error());
    EXPECT_EQ(std::string_view(bytes.data(), bytes.size()), "hello world");
    ASSERT_FALSE(bytes.try_resize(13).is_error());
    EXPECT_EQ(bytes[11], '\0');
    EXPECT_EQ(bytes[12], '\0');
    ASSERT_FALSE(bytes.try_resize(5).is_error());
    EXPECT_EQ(std::string_view(bytes.data(), bytes.size()), "hello");
    bytes.remove(0);
    EXPECT_EQ(std::string_view(bytes.data(), bytes.size()), "ello");
    EXPECT_EQ(bytes.take_last(), 'o');
    bytes.shrink(1);
    EXPECT_EQ(bytes.size(), 1u);
    bytes.clear();
    EXPECT_TRUE(bytes.is_empty());
}

TEST(Vector, AppendingItsOwnElementsSurvivesGrowth)
{
    Vector<int> vector;
    ASSERT_FALSE(vector.try_append(41).is_error());
    for (int i = 0; i < 100; ++i)
        ASSERT_FALSE(vector.try_append(vector[0]).is_error());
    EXPECT_EQ(vector[100], 41);

    Vector<char> bytes;
    ASSERT_FALSE(bytes.try_append("abcd", 4).is_error());
    for (int i = 0; i < 6; ++i)
        ASSERT_FALSE(bytes.try_append(bytes.data(), bytes.size()).is_error());
    EXPECT_EQ(bytes.size(), 4u << 6);
    for (size_t i = 0; i < bytes.size(); ++i)
        ASSERT_EQ(bytes[i], "abcd"[i % 4]);
}

TEST(Vector, ObjectLifetimes)
{
    Tracked::live = 0;
    {
        Vector<Tracked> vector;
        for (int i = 0; i < 50; ++i)
            ASSERT_FALSE(vector.try_append(Tracked(i)).is_error());
        EXPECT_EQ(Tracked::live, 50);
        vector.remove(10);
        EXPECT_EQ(Tracked::live, 49);
        EXPECT_EQ(vector[10].value, 11);
        Tracked last = vector.take_last();
        EXPECT_EQ(last.value, 49);
        Vector<Tracked> moved(std::move(vector));
        EXPECT_TRUE(vector.is_empty());
        EXPECT_EQ(moved.size(), 48u);
        Vector<Tracked> assigned;
        ASSERT_FALSE(assigned.try_append(Tracked(100)).is_error());
        assigned = std::move(moved);
        EXPECT_EQ(assigned.size(), 48u);
        EXPECT_EQ(Tracked::live, 49);
    }
    EXPECT_EQ(Tracked::live, 0);
}

TEST(String, CreateCloneAppend)
{
    String empty;
    EXPECT_TRUE(empty.is_empty());
    EXPECT_STREQ(empty.c_str(), "");
    EXPECT_EQ(empty.view(), "");

    auto string = MUST(String::try_create("hello"));
    EXPECT_EQ(string.length(), 5u);
    EXPECT_EQ(string, "hello");
    EXPECT_STREQ(string.c_str(), "hello");
    MUST(string.try_append(", world"));
    EXPECT_EQ(string, "hello, world");
    auto clone = MUST(string.try_clone());
    EXPECT_EQ(clone, "hello, world");
    EXPECT_NE(clone.c_str(), string.c_str());

    MUST(empty.try_append("x"));
    EXPECT_EQ(empty, "x");

    // Embedded NULs are kept in the view; c_str() stops at the first, as C would.
    auto with_nul = MUST(String::try_create(std::string_view("a\0b", 3)));
    EXPECT_EQ(with_nul.length(), 3u);
    EXPECT_STREQ(with_nul.c_str(), "a");
}

TEST(String, AppendingItself)
{
    // Three bytes, so each doubling outgrows the storage the appended view points into.
    auto string = MUST(String::try_create("abc"));
    for (int i = 0; i < 8; ++i)
        MUST(string.try_append(string.view()));
    EXPECT_EQ(string.length(), 3u << 8);
    for (size_t i = 0; i < string.length(); ++i)
        ASSERT_EQ(string.view()[i], "abc"[i % 3]);
}

namespace {

struct Base {
    static inline int destroyed = 0;
    virtual ~Base() { ++destroyed; }
    int value { 1 };
};
struct Derived : Base {
    Derived(int v) { value = v; }
};

struct Counted : RefCounted<Counted> {
    static inline int destroyed = 0;
    explicit Counted(int v)
        : value(v)
    {
    }
    ~Counted() { ++destroyed; }
    int value;
};

}

TEST(OwnPtr, Ownership)
{
    Base::destroyed = 0;
    {
        auto owned = MUST(try_make<Derived>(7));
        EXPECT_TRUE(owned);
        EXPECT_EQ(owned->value, 7);
        OwnPtr<Base> base = std::move(owned);
        EXPECT_FALSE(owned);
        EXPECT_EQ((*base).value, 7);
        OwnPtr<Base> other;
        other = std::move(base);
        EXPECT_EQ(other->value, 7);
        EXPECT_EQ(Base::destroyed, 0);
        other.clear();
        EXPECT_EQ(Base::destroyed, 1);
        auto leaked = MUST(try_make<Base>());
        Base* raw = leaked.leak();
        EXPECT_FALSE(leaked);
        delete raw;
    }
    EXPECT_EQ(Base::destroyed, 2);
}

TEST(RefPtr, CountsReferences)
{
    Counted::destroyed = 0;
    {
        auto first = MUST(try_make_ref_counted<Counted>(3));
        EXPECT_EQ(first->ref_count(), 1u);
        {
            RefPtr<Counted> second = first;
            EXPECT_EQ(first->ref_count(), 2u);
            EXPECT_TRUE(second == first);
            RefPtr<Counted> third;
            third = second;
            EXPECT_EQ(first->ref_count(), 3u);
            RefPtr<Counted> moved = std::move(third);
            EXPECT_FALSE(third);
            EXPECT_EQ(first->ref_count(), 3u);
        }
        EXPECT_EQ(first->ref_count(), 1u);
        EXPECT_EQ(Counted::destroyed, 0);
        // Self-assignment keeps the object alive.
        auto& alias = first;
        first = alias;
        EXPECT_EQ(first->ref_count(), 1u);
        RefPtr<Counted> from_reference(*first);
        EXPECT_EQ(first->ref_count(), 2u);
        from_reference.clear();
        EXPECT_EQ(first->value, 3);
    }
    EXPECT_EQ(Counted::destroyed, 1);

    Counted* raw = new Counted(9);
    {
        auto adopted = RefPtr<Counted>::adopt(raw);
        EXPECT_EQ(adopted->ref_count(), 1u);
    }
    EXPECT_EQ(Counted::destroyed, 2);
}

namespace {

struct Item {
    int value;
    IntrusiveListNode node;
    IntrusiveListNode other_node;
};

using ItemList = IntrusiveList<Item, &Item::node>;
using OtherList = IntrusiveList<Item, &Item::other_node>;

}

TEST(IntrusiveList, AppendIterateRemove)
{
    Item items[4] = { { 0, {}, {} }, { 1, {}, {} }, { 2, {}, {} }, { 3, {}, {} } };
    ItemList list;
    OtherList other;
    EXPECT_TRUE(list.is_empty());
    EXPECT_EQ(list.first(), nullptr);
    for (auto& item : items)
        list.append(item);
    other.append(items[2]);
    EXPECT_EQ(list.size_slow(), 4u);
    EXPECT_EQ(other.size_slow(), 1u);
    int expected = 0;
    for (auto& item : list)
        EXPECT_EQ(item.value, expected++);

    ItemList::remove(items[1]);
    EXPECT_FALSE(items[1].node.is_linked());
    ItemList::remove(items[1]); // removing twice is harmless
    EXPECT_EQ(list.size_slow(), 3u);
    EXPECT_EQ(list.first(), &items[0]);
    EXPECT_EQ(list.take_first(), &items[0]);
    EXPECT_EQ(list.take_first(), &items[2]);
    EXPECT_TRUE(items[2].other_node.is_linked());
    EXPECT_EQ(other.first(), &items[2]);
    EXPECT_EQ(list.take_first(), &items[3]);
    EXPECT_EQ(list.take_first(), nullptr);
    EXPECT_TRUE(list.is_empty());
}

TEST(ScopeGuard, RunsUnlessDisarmed)
{
    int runs = 0;
    {
        ScopeGuard guard([&] { ++runs; });
    }
    EXPECT_EQ(runs, 1);
    {
        ScopeGuard guard([&] { ++runs; });
        guard.disarm();
    }
    EXPECT_EQ(runs, 1);
}
