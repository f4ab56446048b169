from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """``?page=N&page_size=M`` (at most 500) on every list, with a total count."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_paginated_response_schema(self, schema):
        # The examples show a whole list of one page (DRF's own point at api.example.org).
        page = super().get_paginated_response_schema(schema)
        properties = page["properties"]
        properties["count"].update(example=1, description="Objects in the whole list.")
        for name in ("next", "previous"):
            properties[name].update(
                example=None,
                description=f"Link to the {name} page, same filters and page_size; null if none.",
            )
        return page
