/* Table paging with bookmarks from C over the quickstart session's status table: one
 * row at a time with a bookmark at every row, then back to each bookmark (SeekRow with
 * a count from it), BOOKMARK_CURRENT and BOOKMARK_END with negative counts, the rows
 * sought clipped at either end, QueryPosition after each move, QueryRows backwards, and
 * FreeBookmark. Exits non-zero at the first unexpected result. */
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include "common.h"

#define MAX_ROWS 64

static ULONG position(LPMAPITABLE t) {
    ULONG row = 0, num = 0, den = 0;
    EXPECT(IMAPITable_QueryPosition(t, &row, &num, &den), S_OK);
    CHECK(den > 0 && num <= den);
    return row;
}

/* The name of the next row (the cursor moves on), or "" at the end. */
static void next_name(LPMAPITABLE t, wchar_t *out) {
    LPSRowSet rows = NULL;
    EXPECT(IMAPITable_QueryRows(t, 1, 0, &rows), S_OK);
    out[0] = 0;
    if (rows->cRows == 1) {
        CHECK(PROP_TYPE(rows->aRow[0].lpProps[0].ulPropTag) == PT_UNICODE);
        wcsncpy(out, (const wchar_t *)rows->aRow[0].lpProps[0].Value.lpszW, 127);
        out[127] = 0;
    }
    FreeProws(rows);
}

int main(void) {
    LPMAPISESSION s = NULL;
    LPMAPITABLE t = NULL;
    EXPECT(MAPIInitialize(NULL), S_OK);
    EXPECT(MAPILogonEx(0, (LPTSTR) "Default", NULL, MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION, &s), S_OK);
    EXPECT(IMAPISession_GetStatusTable(s, MAPI_UNICODE, &t), S_OK);
    SizedSPropTagArray(2, cols) = {2, {PR_DISPLAY_NAME_W, PR_RESOURCE_TYPE}};
    EXPECT(IMAPITable_SetColumns(t, (LPSPropTagArray)&cols, 0), S_OK);
    SSortOrderSet sort = {1, 0, 0, {{PR_DISPLAY_NAME_W, TABLE_SORT_ASCEND}}};
    EXPECT(IMAPITable_SortTable(t, &sort, 0), S_OK);
    ULONG count = 0;
    EXPECT(IMAPITable_GetRowCount(t, 0, &count), S_OK);
    CHECK(count >= 2 && count <= MAX_ROWS);

    /* Forward one row at a time, a bookmark before each. */
    static wchar_t names[MAX_ROWS][128];
    BOOKMARK marks[MAX_ROWS];
    for (ULONG i = 0; i < count; i++) {
        CHECK(position(t) == i);
        EXPECT(IMAPITable_CreateBookmark(t, &marks[i]), S_OK);
        next_name(t, names[i]);
        CHECK(names[i][0] != 0);
        if (i > 0) CHECK(wcscmp(names[i - 1], names[i]) <= 0);
        printf("row %u: %ls\n", i, names[i]);
    }
    wchar_t name[128];
    next_name(t, name);
    CHECK(name[0] == 0 && position(t) == count);

    /* Back to every bookmark, newest first; each gives its row again. */
    LONG sought = 0;
    for (ULONG i = count; i-- > 0;) {
        EXPECT(IMAPITable_SeekRow(t, marks[i], 0, &sought), S_OK);
        CHECK(sought == 0 && position(t) == i);
        next_name(t, name);
        CHECK(wcscmp(name, names[i]) == 0);
    }
    /* A count from a bookmark, and from the current row. */
    EXPECT(IMAPITable_SeekRow(t, marks[0], 1, &sought), S_OK);
    CHECK(sought == 1 && position(t) == 1);
    next_name(t, name);
    CHECK(wcscmp(name, names[1]) == 0);
    EXPECT(IMAPITable_SeekRow(t, BOOKMARK_CURRENT, -2, &sought), S_OK);
    CHECK(sought == -2 && position(t) == 0);
    /* Clipped at either end: the rows actually sought come back. */
    EXPECT(IMAPITable_SeekRow(t, BOOKMARK_BEGINNING, (LONG)count + 5, &sought), S_OK);
    CHECK(sought == (LONG)count && position(t) == count);
    EXPECT(IMAPITable_SeekRow(t, BOOKMARK_END, -((LONG)count + 5), &sought), S_OK);
    CHECK(sought == -(LONG)count && position(t) == 0);
    EXPECT(IMAPITable_SeekRow(t, BOOKMARK_END, -1, &sought), S_OK);
    CHECK(sought == -1 && position(t) == count - 1);
    next_name(t, name);
    CHECK(wcscmp(name, names[count - 1]) == 0);

    /* QueryRows with a negative count reads backwards from the cursor. */
    LPSRowSet rows = NULL;
    EXPECT(IMAPITable_SeekRow(t, BOOKMARK_END, 0, NULL), S_OK);
    EXPECT(IMAPITable_QueryRows(t, -2, 0, &rows), S_OK);
    CHECK(rows->cRows == 2);
    CHECK(wcscmp((const wchar_t *)rows->aRow[1].lpProps[0].Value.lpszW, names[count - 1]) == 0 ||
          wcscmp((const wchar_t *)rows->aRow[0].lpProps[0].Value.lpszW, names[count - 1]) == 0);
    FreeProws(rows);
    CHECK(position(t) == count - 2);

    /* A freed bookmark is refused; the others still work. */
    EXPECT(IMAPITable_FreeBookmark(t, marks[1]), S_OK);
    EXPECT(IMAPITable_SeekRow(t, marks[1], 0, &sought), MAPI_E_INVALID_BOOKMARK);
    EXPECT(IMAPITable_FreeBookmark(t, marks[1]), MAPI_E_INVALID_BOOKMARK);
    EXPECT(IMAPITable_SeekRow(t, marks[0], 0, &sought), S_OK);
    CHECK(position(t) == 0);
    for (ULONG i = 0; i < count; i++)
        if (i != 1) EXPECT(IMAPITable_FreeBookmark(t, marks[i]), S_OK);
    printf("paging ok: %u rows, %u bookmarks\n", count, count);
    IMAPITable_Release(t);
    EXPECT(IMAPISession_Logoff(s, 0, 0, 0), S_OK);
    IMAPISession_Release(s);
    MAPIUninitialize();
    return 0;
}
